/**
 * Lanczos coefficients for g = 7, n = 9: about 15 significant digits of Γ(x) for x >= 0.5, enough for the
 * prefactor of the incomplete gamma function, whose own error is several orders smaller than the 1e-6 the
 * drift tests need.
 */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.91893853320467274178;

/**
 * The natural logarithm of the gamma function, ln Γ(x), for x > 0 (scipy.special.gammaln on that domain).
 *
 * @param x - a positive number
 * @returns ln Γ(x); NaN for x <= 0 or NaN, Infinity for x = Infinity
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return x;

  // Below 0.5 the series loses digits; Γ(x) = Γ(x + 1) / x keeps them.
  if (x < 0.5) return logGamma(x + 1) - Math.log(x);

  const z = x - 1;
  let series = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) series += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(series);
}
