import { chi2Sf } from './chi2-sf.js';

export interface ChisquareResult {
  statistic: number;
  pValue: number;
  /** Degrees of freedom: the number of categories minus one. */
  dof: number;
}

/** scipy's tolerance for the observed and expected totals to agree. */
const SUM_TOLERANCE = 1e-8;

/**
 * Pearson's one-way chi-squared test, as scipy.stats.chisquare(f_obs, f_exp) with ddof = 0.
 *
 * A category expected zero times but observed gives an infinite statistic and a p-value of 0, as scipy does;
 * a single category gives no degrees of freedom and a NaN p-value, as scipy does.
 *
 * @param observed - observed counts
 * @param expected - expected counts, same length, same total within 1e-8 relative
 * @returns the statistic, its p-value from the chi-squared survival function, and the degrees of freedom
 */
export function chisquare(observed: ArrayLike<number>, expected: ArrayLike<number>): ChisquareResult {
  if (observed.length !== expected.length || observed.length === 0) {
    throw new RangeError('chisquare: observed and expected counts must be non-empty and of the same length');
  }
  let observedSum = 0;
  let expectedSum = 0;
  for (let i = 0; i < observed.length; i++) {
    observedSum += observed[i];
    expectedSum += expected[i];
  }
  if (Math.abs(observedSum - expectedSum) / Math.min(observedSum, expectedSum) > SUM_TOLERANCE) {
    throw new RangeError(
      `chisquare: observed total ${observedSum} differs from expected total ${expectedSum}`,
    );
  }

  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const gap = observed[i] - expected[i];
    statistic += (gap * gap) / expected[i];
  }
  const dof = observed.length - 1;
  return { statistic, pValue: chi2Sf(statistic, dof), dof };
}
