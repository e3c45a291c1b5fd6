/**
 * The population standard deviation (ddof = 0), as np.std(values): two passes, so a large mean does not eat
 * the digits of a small spread.
 *
 * @param values - finite numbers, at least one
 * @returns the standard deviation
 */
export function populationStd(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('populationStd: needs at least one value');
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return Math.sqrt(squares / values.length);
}
