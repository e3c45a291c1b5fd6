import { chisquare, type ChisquareResult } from './chisquare.js';
import { countCategories } from './count-categories.js';
import type { Category } from './types.js';

/**
 * Evidently's `chisquare` drift test: the current counts against the reference proportions scaled to the
 * current size, over the union of the labels of both samples (chisquare_stattest.py). A label that only the
 * current sample has is expected zero times, so the statistic is infinite and the p-value 0.
 *
 * @param reference - reference labels, missing values already dropped, at least one
 * @param current - current labels, missing values already dropped, at least one
 * @returns the statistic, p-value and degrees of freedom
 */
export function chiSquareTest(reference: ArrayLike<Category>, current: ArrayLike<Category>): ChisquareResult {
  if (reference.length === 0 || current.length === 0) {
    throw new RangeError('chiSquareTest: both samples need at least one value');
  }
  const counts = countCategories(reference, current);
  const scale = current.length / reference.length;
  const expected = counts.reference.map((count) => count * scale);
  return chisquare(counts.current, expected);
}
