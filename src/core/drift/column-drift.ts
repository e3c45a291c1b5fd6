import { EXIT_CODES, UserError } from '../errors/index.js';
import { chiSquareTest } from './chi-square-test.js';
import { presentValues } from './column-values.js';
import { defaultStatTest } from './default-stat-test.js';
import { jensenShannonTest } from './jensen-shannon-test.js';
import { ks2samp } from './ks-2samp.js';
import { isDrift, isStatTestName, STATTESTS, STAT_TEST_INFO } from './stat-tests.js';
import type {
  CategoricalValues,
  Category,
  ColumnKind,
  NumericValues,
  ScoreKind,
  StatTestName,
} from './types.js';
import { wassersteinNormTest } from './wasserstein-norm-test.js';
import { zTest } from './z-test.js';

interface ColumnDriftCommon {
  /** The column's name, carried into the result. */
  name: string;
  /** A test to use instead of Evidently's default for the column. */
  stattest?: StatTestName;
  /** A threshold to use instead of the test's default (0.05 for p-values, 0.1 for distances). */
  threshold?: number;
}

export type ColumnDriftInput =
  | (ColumnDriftCommon & { kind: 'numeric'; reference: NumericValues; current: NumericValues })
  | (ColumnDriftCommon & { kind: 'categorical'; reference: CategoricalValues; current: CategoricalValues });

export interface ColumnDriftResult {
  column: string;
  kind: ColumnKind;
  stattest: StatTestName;
  scoreKind: ScoreKind;
  /**
   * Evidently's drift score: the p-value for ks, chisquare and z, the normed distance for wasserstein, the
   * distance for jensenshannon.
   */
  score: number;
  /** The test's own statistic: KS D, chi-squared, z, the raw Wasserstein distance, the JS distance. */
  statistic: number;
  threshold: number;
  drifted: boolean;
  /** Values tested after missing ones were dropped. */
  referenceSize: number;
  currentSize: number;
  /** Distinct values over both samples, which the default test depends on. */
  nUnique: number;
}

/**
 * Tests one column for drift as Evidently's `get_one_column_drift` does: missing values are dropped, the test
 * is the forced one or Evidently's default for the column, and the score is compared with the threshold in
 * the test's direction.
 *
 * @param input - the column's name, kind, reference and current values, and optionally a test and threshold
 * @returns the test used, its score and statistic, the threshold and whether the column drifted
 */
export function columnDrift(input: ColumnDriftInput): ColumnDriftResult {
  const { name, kind } = checkInput(input);
  const reference = presentValues(input.reference, kind, `column "${name}" reference`);
  const current = presentValues(input.current, kind, `column "${name}" current`);
  for (const [sample, values] of [
    ['reference', reference],
    ['current', current],
  ] as const) {
    if (values.length === 0) {
      throw new UserError(
        `column "${name}" has no values in the ${sample} data once missing values are dropped`,
        'leave the column out of the drift check, or use a batch in which it has values',
        EXIT_CODES.badInput,
      );
    }
  }

  const nUnique = new Set<Category>([...reference, ...current]).size;
  const stattest = input.stattest ?? defaultStatTest({ referenceSize: reference.length, nUnique, kind });
  const test = STAT_TEST_INFO[stattest];
  if (!test.kinds.includes(kind)) {
    throw new UserError(
      `the ${stattest} test cannot be used on the ${kind} column "${name}"`,
      `use one of ${STATTESTS.filter((n) => STAT_TEST_INFO[n].kinds.includes(kind)).join(', ')} for it`,
    );
  }

  const threshold = input.threshold ?? test.defaultThreshold;
  const { score, statistic } = runTest(stattest, reference, current, kind);
  return {
    column: name,
    kind,
    stattest,
    scoreKind: test.scoreKind,
    score,
    statistic,
    threshold,
    drifted: isDrift(stattest, score, threshold),
    referenceSize: reference.length,
    currentSize: current.length,
    nUnique,
  };
}

function runTest(
  stattest: StatTestName,
  reference: Float64Array | string[],
  current: Float64Array | string[],
  kind: ColumnKind,
): { score: number; statistic: number } {
  switch (stattest) {
    case 'ks': {
      const result = ks2samp(reference as Float64Array, current as Float64Array);
      return { score: result.pValue, statistic: result.statistic };
    }
    case 'wasserstein': {
      const result = wassersteinNormTest(reference as Float64Array, current as Float64Array);
      return { score: result.normed, statistic: result.distance };
    }
    case 'chisquare': {
      const result = chiSquareTest(labels(reference), labels(current));
      return { score: result.pValue, statistic: result.statistic };
    }
    case 'z': {
      const result = zTest(labels(reference), labels(current));
      return { score: result.pValue, statistic: result.statistic };
    }
    case 'jensenshannon': {
      const { distance } = jensenShannonTest(labels(reference), labels(current), kind);
      return { score: distance, statistic: distance };
    }
  }
}

/** Numeric samples are counted by value as plain numbers, so a Float64Array becomes an array of them. */
function labels(values: Float64Array | string[]): ArrayLike<Category> {
  return values instanceof Float64Array ? Array.from(values) : values;
}

function checkInput(input: ColumnDriftInput): { name: string; kind: ColumnKind } {
  if (input === null || typeof input !== 'object')
    throw new TypeError('columnDrift: input must be an object');
  const { name, kind, stattest, threshold } = input;
  if (typeof name !== 'string' || name === '')
    throw new TypeError('columnDrift: name must be a non-empty string');
  if (kind !== 'numeric' && kind !== 'categorical') {
    throw new TypeError(`columnDrift: column "${name}" has unknown kind "${String(kind)}"`);
  }
  if (stattest !== undefined && !isStatTestName(stattest)) {
    throw new UserError(`unknown drift test "${String(stattest)}"`, `use one of ${STATTESTS.join(', ')}`);
  }
  if (threshold !== undefined && !(Number.isFinite(threshold) && threshold >= 0)) {
    throw new UserError(
      `drift threshold ${String(threshold)} for column "${name}" is not a non-negative number`,
      'give a p-value threshold such as 0.05 or a distance threshold such as 0.1',
    );
  }
  return { name, kind };
}
