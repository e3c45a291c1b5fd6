import { regularizedGammaQ } from './gamma-q.js';

/**
 * The survival function of the chi-squared distribution, as scipy.stats.chi2.sf(x, dof).
 *
 * @param x - the statistic
 * @param dof - degrees of freedom, > 0
 * @returns P(X > x); 1 for x <= 0, 0 for x = Infinity, NaN for dof <= 0 (scipy's answer for one category)
 */
export function chi2Sf(x: number, dof: number): number {
  if (!(dof > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(dof / 2, x / 2);
}
