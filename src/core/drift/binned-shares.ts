import { countCategories } from './count-categories.js';
import { histogramCounts } from './histogram-counts.js';
import { sturgesBinEdges } from './sturges-bin-edges.js';
import type { Category, ColumnKind } from './types.js';

export type BinnedShares =
  | { binning: 'histogram'; edges: Float64Array; reference: Float64Array; current: Float64Array }
  | { binning: 'categories'; categories: Category[]; reference: Float64Array; current: Float64Array };

/** Evidently histograms a numeric column only when its reference has more than this many distinct values. */
const MIN_UNIQUE_FOR_HISTOGRAM = 20;

/**
 * The share of each sample in each bin, as Evidently's `get_binned_data` (stattests/utils.py) with
 * `feel_zeroes=False`, which is how its Jensen-Shannon test calls it.
 *
 * A numeric column whose reference has more than 20 distinct values is cut into Sturges bins over both
 * samples together; anything else is split by value over the union of the values of both samples.
 *
 * @param reference - reference values, missing values already dropped, at least one
 * @param current - current values, missing values already dropped, at least one
 * @param kind - the column kind; only 'numeric' can be histogrammed
 * @returns the binning used and the two share vectors, each summing to 1
 */
export function binnedShares(
  reference: ArrayLike<Category>,
  current: ArrayLike<Category>,
  kind: ColumnKind,
): BinnedShares {
  if (reference.length === 0 || current.length === 0) {
    throw new RangeError('binnedShares: both samples need at least one value');
  }

  if (kind === 'numeric' && new Set(Array.from(reference)).size > MIN_UNIQUE_FOR_HISTOGRAM) {
    const ref = numbers(reference);
    const cur = numbers(current);
    const pooled = new Float64Array(ref.length + cur.length);
    pooled.set(ref);
    pooled.set(cur, ref.length);
    const edges = sturgesBinEdges(pooled);
    return {
      binning: 'histogram',
      edges,
      reference: histogramCounts(ref, edges).map((count) => count / ref.length),
      current: histogramCounts(cur, edges).map((count) => count / cur.length),
    };
  }

  const counts = countCategories(reference, current);
  return {
    binning: 'categories',
    categories: counts.categories,
    reference: counts.reference.map((count) => count / reference.length),
    current: counts.current.map((count) => count / current.length),
  };
}

function numbers(values: ArrayLike<Category>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'number') throw new TypeError('binnedShares: a numeric column holds a label');
    out[i] = value;
  }
  return out;
}
