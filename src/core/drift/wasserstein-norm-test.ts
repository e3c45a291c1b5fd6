import { populationStd } from './population-std.js';
import { wassersteinDistance } from './wasserstein-distance.js';

export interface WassersteinNormResult {
  /** scipy.stats.wasserstein_distance(reference, current), in the units of the values. */
  distance: number;
  /** The distance in reference standard deviations: Evidently's drift score. */
  normed: number;
  /** The divisor used: the reference's standard deviation (ddof = 0), at least 0.001. */
  scale: number;
}

/** Evidently's floor on the divisor, so that a constant reference does not divide by zero. */
const MIN_SCALE = 0.001;

/**
 * Evidently's `wasserstein` drift test (wasserstein_distance_norm.py): the Wasserstein distance divided by
 * max(std(reference), 0.001).
 *
 * @param reference - reference values, missing values already dropped, at least one
 * @param current - current values, missing values already dropped, at least one
 * @returns the raw distance, the normed distance and the divisor
 */
export function wassersteinNormTest(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): WassersteinNormResult {
  const distance = wassersteinDistance(reference, current);
  const scale = Math.max(populationStd(reference), MIN_SCALE);
  return { distance, normed: distance / scale, scale };
}
