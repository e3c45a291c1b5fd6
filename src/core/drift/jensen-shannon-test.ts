import { binnedShares, type BinnedShares } from './binned-shares.js';
import { jensenShannonDistance } from './jensen-shannon-distance.js';
import type { Category, ColumnKind } from './types.js';

export interface JensenShannonResult {
  /** The Jensen-Shannon distance (natural logarithm): Evidently's drift score. */
  distance: number;
  /** The bins the distance was taken over. */
  shares: BinnedShares;
}

/**
 * Evidently's `jensenshannon` drift test (jensenshannon.py): the Jensen-Shannon distance, natural logarithm,
 * between the binned shares of the two samples. Empty bins stay at zero: Evidently asks `get_binned_data`
 * not to fill them (`feel_zeroes=False`).
 *
 * @param reference - reference values, missing values already dropped, at least one
 * @param current - current values, missing values already dropped, at least one
 * @param kind - the column kind, which decides the binning
 * @returns the distance and the shares it was computed from
 */
export function jensenShannonTest(
  reference: ArrayLike<Category>,
  current: ArrayLike<Category>,
  kind: ColumnKind,
): JensenShannonResult {
  const shares = binnedShares(reference, current, kind);
  return { distance: jensenShannonDistance(shares.reference, shares.current), shares };
}
