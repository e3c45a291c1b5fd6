import type { ColumnKind, ScoreKind, StatTestName } from './types.js';

export interface StatTestInfo {
  name: StatTestName;
  /** Evidently's display name. */
  displayName: string;
  scoreKind: ScoreKind;
  defaultThreshold: number;
  /** The column kinds the test can be forced on. */
  kinds: readonly ColumnKind[];
}

/**
 * The drift tests and their defaults, as Evidently 0.7 registers them
 * (src/evidently/legacy/calculations/stattests/*.py; unchanged since 0.4).
 *
 * chisquare and z are registered for categorical columns only, yet Evidently's own default picks them for
 * numeric columns with five or fewer values; we allow forcing them on numeric columns for the same reason.
 */
export const STAT_TEST_INFO: Readonly<Record<StatTestName, StatTestInfo>> = {
  ks: {
    name: 'ks',
    displayName: 'K-S p_value',
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    kinds: ['numeric'],
  },
  chisquare: {
    name: 'chisquare',
    displayName: 'chi-square p_value',
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    kinds: ['categorical', 'numeric'],
  },
  z: {
    name: 'z',
    displayName: 'Z-test p_value',
    scoreKind: 'p-value',
    defaultThreshold: 0.05,
    kinds: ['categorical', 'numeric'],
  },
  wasserstein: {
    name: 'wasserstein',
    displayName: 'Wasserstein distance (normed)',
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    kinds: ['numeric'],
  },
  jensenshannon: {
    name: 'jensenshannon',
    displayName: 'Jensen-Shannon distance',
    scoreKind: 'distance',
    defaultThreshold: 0.1,
    kinds: ['categorical', 'numeric'],
  },
};

/** The test names, in the order they are listed to users. */
export const STATTESTS: readonly StatTestName[] = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon'];

export function isStatTestName(value: unknown): value is StatTestName {
  return typeof value === 'string' && Object.hasOwn(STAT_TEST_INFO, value);
}

/**
 * Whether a score means drift, with Evidently's comparisons: KS drifts at p <= threshold, chi-squared and
 * z at p < threshold (Evidently is not consistent here, and we keep its rules), distances at
 * score >= threshold.
 * A NaN score (chi-squared on a single category) never means drift.
 *
 * @param name - the test
 * @param score - its p-value or distance
 * @param threshold - the threshold in force
 */
export function isDrift(name: StatTestName, score: number, threshold: number): boolean {
  if (name === 'ks') return score <= threshold;
  if (STAT_TEST_INFO[name].scoreKind === 'p-value') return score < threshold;
  return score >= threshold;
}
