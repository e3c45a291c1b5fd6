/**
 * Equal-width bin edges by Sturges' rule, as np.histogram_bin_edges(values, bins='sturges') in numpy 1.24:
 * width = range / (log2(n) + 1), ceil(range / width) bins between the minimum and the maximum (widened by
 * ±0.5 when they are equal), the edges placed as np.linspace places them.
 *
 * @param values - finite numbers, at least one
 * @returns the edges, one more than the bins
 */
export function sturgesBinEdges(values: ArrayLike<number>): Float64Array {
  if (values.length === 0) throw new RangeError('sturgesBinEdges: needs at least one value');
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError('sturgesBinEdges: values must be finite');
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }

  const width = (max - min) / (Math.log2(values.length) + 1);
  const [first, last] = min === max ? [min - 0.5, max + 0.5] : [min, max];
  const bins = width ? Math.ceil((last - first) / width) : 1;

  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}
