import { logGamma } from './log-gamma.js';

/** Below this, exp() underflows; cephes (scipy.special.gammaincc) returns 0 there, and so do we. */
const MIN_LOG = -709.782712893384;
const EPSILON = Number.EPSILON;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), as scipy.special.gammaincc.
 *
 * The series for P = 1 - Q is used below x = a + 1, where it converges fast and Q is not small, and the
 * continued fraction (modified Lentz) above it, where Q can be tiny and is then computed directly rather
 * than as 1 - P, so its relative error stays near machine precision.
 *
 * @param a - the shape, a > 0
 * @param x - the point, x >= 0
 * @returns Q(a, x) in [0, 1]; NaN for a <= 0, x < 0 or NaN input
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (a === Number.POSITIVE_INFINITY) return 1;

  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) return 1 - lowerSeries(a, x, logPrefactor);
  if (logPrefactor < MIN_LOG) return 0;
  return upperContinuedFraction(a, x, logPrefactor);
}

function lowerSeries(a: number, x: number, logPrefactor: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return Math.min(1, sum * Math.exp(logPrefactor));
}

function upperContinuedFraction(a: number, x: number, logPrefactor: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.min(1, Math.exp(logPrefactor) * h);
}
