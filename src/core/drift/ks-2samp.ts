import { kstwoSf } from './kstwo-sf.js';
import { ksExactPValue } from './ks-exact-p-value.js';

/** How the p-value is found: as scipy's `method` (its `mode` before 1.7). */
export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface Ks2sampOptions {
  /** Default 'auto': exact when both samples have at most 10,000 values, asymptotic otherwise. */
  method?: KsMethod;
}

export interface Ks2sampResult {
  /** The largest distance between the two empirical CDFs. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** The method that produced the p-value, after scipy's fallbacks. */
  method: 'exact' | 'asymp';
}

/** scipy's MAX_AUTO_N: 'auto' is exact up to this many values in the larger sample. */
const MAX_AUTO_N = 10_000;
const INT32_MAX = 2 ** 31 - 1;

/**
 * The two-sample Kolmogorov-Smirnov test, two-sided, as scipy.stats.ks_2samp in scipy 1.10.
 *
 * Ties are handled as scipy does, by evaluating both empirical CDFs at every value of either sample. In exact
 * mode the statistic is rounded to the lattice h / lcm(n1, n2) that the exact distribution lives on, as scipy
 * returns it; when the exact computation fails it falls back to the asymptotic one, kstwo.sf(d, round(en))
 * with en = n1·n2 / (n1 + n2) rounded half to even as numpy does.
 *
 * @param reference - the first sample: finite numbers, at least one
 * @param current - the second sample: finite numbers, at least one
 * @param options - see {@link Ks2sampOptions}
 * @returns the statistic, the p-value and the method used
 */
export function ks2samp(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: Ks2sampOptions = {},
): Ks2sampResult {
  const { method = 'auto' } = options;
  const a = sortedSample(reference, 'reference');
  const b = sortedSample(current, 'current');
  if (!['auto', 'exact', 'asymp'].includes(method)) throw new RangeError(`unknown KS method "${method}"`);

  const n1 = a.length;
  const n2 = b.length;
  let d = largestCdfDistance(a, b);
  const g = gcd(n1, n2);
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact' && n1 / g >= INT32_MAX / (n2 / g)) mode = 'asymp';
  else mode = method;

  if (mode === 'exact') {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    const p = ksExactPValue(n1, n2, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, method: 'exact' };
  }

  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const pValue = Math.min(1, Math.max(0, kstwoSf(d, roundHalfEven(en))));
  return { statistic: d, pValue, method: 'asymp' };
}

function sortedSample(values: ArrayLike<number>, label: string): Float64Array {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`ks2samp: ${label} must be an array of numbers`);
  }
  if (values.length === 0) throw new RangeError(`ks2samp: ${label} must not be empty`);
  const sorted = Float64Array.from(values);
  for (const value of sorted) {
    if (!Number.isFinite(value)) throw new RangeError(`ks2samp: ${label} holds a value that is not finite`);
  }
  return sorted.sort();
}

/**
 * max |F1 − F2| over the pooled values, each CDF counted with `side='right'` and divided by its size exactly
 * as scipy does, so the same floats come out; the larger of the two one-sided gaps wins, ties to the upper
 * one, as in scipy.
 */
function largestCdfDistance(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let lowest = 0;
  let highest = 0;
  while (i < a.length || j < b.length) {
    const value = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.length && a[i] <= value) i++;
    while (j < b.length && b[j] <= value) j++;
    const difference = i / a.length - j / b.length;
    if (difference < lowest) lowest = difference;
    if (difference > highest) highest = difference;
  }
  const below = Math.min(Math.max(-lowest, 0), 1);
  return below > highest ? below : highest;
}

/** numpy's np.round: to the nearest integer, halves to the even one. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}
