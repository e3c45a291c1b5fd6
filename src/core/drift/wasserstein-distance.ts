/**
 * The first Wasserstein (earth mover's) distance between two one-dimensional samples with equal weights, as
 * scipy.stats.wasserstein_distance(u, v): the area between the two empirical CDFs.
 *
 * @param u - the first sample: finite numbers, at least one
 * @param v - the second sample: finite numbers, at least one
 * @returns the distance, in the units of the values
 */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const a = sortedSample(u, 'u');
  const b = sortedSample(v, 'v');

  // Walk the pooled values in order; between two consecutive ones both CDFs are constant.
  let i = 0;
  let j = 0;
  let previous = Math.min(a[0], b[0]);
  let sum = 0;
  let compensation = 0;
  while (i < a.length || j < b.length) {
    const value = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    const term = Math.abs(i / a.length - j / b.length) * (value - previous);
    // Neumaier's summation: the terms have one sign, but there can be hundreds of thousands of them.
    const total = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - total + term : term - total + sum;
    sum = total;
    while (i < a.length && a[i] <= value) i++;
    while (j < b.length && b[j] <= value) j++;
    previous = value;
  }
  return sum + compensation;
}

function sortedSample(values: ArrayLike<number>, label: string): Float64Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`wassersteinDistance: ${label} must be an array of numbers`);
  }
  if (values.length === 0) throw new RangeError(`wassersteinDistance: ${label} must not be empty`);
  const sorted = Float64Array.from(values);
  for (const value of sorted) {
    if (!Number.isFinite(value))
      throw new RangeError(`wassersteinDistance: ${label} holds a non-finite value`);
  }
  return sorted.sort();
}
