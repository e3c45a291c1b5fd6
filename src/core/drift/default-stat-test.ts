import type { ColumnKind, StatTestName } from './types.js';

export interface DefaultStatTestInput {
  /** Reference rows of the column after missing values are dropped. */
  referenceSize: number;
  /** Distinct values in the reference and current samples together, missing values dropped. */
  nUnique: number;
  kind: ColumnKind;
}

/** Evidently switches from tests to distances past this many reference rows. */
const SMALL_REFERENCE = 1000;
/** Up to this many distinct values a numeric column is tested as categories. */
const FEW_VALUES = 5;

/**
 * The drift test Evidently picks for a column when none is forced, as `_get_default_stattest` in
 * src/evidently/legacy/calculations/stattests/registry.py (Evidently 0.7; the same rules since 0.4).
 *
 * - reference of 1,000 rows or fewer: numeric columns with more than five values get KS; other columns get
 *   chi-squared with more than two values and the z-test with one or two;
 * - larger reference: numeric columns with more than five values get the normed Wasserstein distance, every
 *   other column the Jensen-Shannon distance.
 *
 * @param input - the reference size, the number of distinct values and the column kind
 * @returns the test's name
 */
export function defaultStatTest(input: DefaultStatTestInput): StatTestName {
  const { referenceSize, nUnique, kind } = input;
  if (
    !(Number.isInteger(referenceSize) && referenceSize >= 0) ||
    !(Number.isInteger(nUnique) && nUnique >= 0)
  ) {
    throw new RangeError('defaultStatTest: referenceSize and nUnique must be non-negative integers');
  }
  if (kind !== 'numeric' && kind !== 'categorical')
    throw new RangeError(`defaultStatTest: unknown kind "${kind}"`);

  const manyValues = kind === 'numeric' && nUnique > FEW_VALUES;
  if (referenceSize <= SMALL_REFERENCE) {
    if (manyValues) return 'ks';
    return nUnique > 2 ? 'chisquare' : 'z';
  }
  return manyValues ? 'wasserstein' : 'jensenshannon';
}
