/**
 * How many values fall in each bin, as np.histogram(values, edges)[0]: bins are [e_i, e_{i+1}), the last one
 * closed, values outside every bin are not counted.
 *
 * @param values - numbers
 * @param edges - increasing bin edges, at least two
 * @returns one count per bin
 */
export function histogramCounts(values: ArrayLike<number>, edges: ArrayLike<number>): Float64Array {
  if (edges.length < 2) throw new RangeError('histogramCounts: needs at least two edges');
  const sorted = Float64Array.from(values).sort();
  const bins = edges.length - 1;

  const counts = new Float64Array(bins);
  let previous = lowerBound(sorted, edges[0]);
  for (let i = 0; i < bins; i++) {
    const next = i === bins - 1 ? upperBound(sorted, edges[bins]) : lowerBound(sorted, edges[i + 1]);
    counts[i] = next - previous;
    previous = next;
  }
  return counts;
}

/** The first index whose value is >= x (searchsorted side='left'). */
function lowerBound(sorted: Float64Array, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] < x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first index whose value is > x (searchsorted side='right'). */
function upperBound(sorted: Float64Array, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}
