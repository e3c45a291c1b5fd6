import { regularizedGammaQ } from './gamma-q.js';

/**
 * The survival function of the standard normal distribution, as scipy.stats.norm.sf(z).
 *
 * It uses erfc(t) = Q(1/2, t²), so the upper tail keeps its relative precision down to about 1e-300, where
 * 1 - cdf would already be 0 past z ≈ 8.3.
 *
 * @param z - any number
 * @returns P(Z > z)
 */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const upper = 0.5 * regularizedGammaQ(0.5, (z * z) / 2);
  return z >= 0 ? upper : 1 - upper;
}
