/**
 * The exact two-sided p-value of the two-sample Kolmogorov-Smirnov test, P(D_{n1,n2} >= h / lcm(n1, n2)),
 * as scipy 1.10 computes it in `_attempt_exact_2kssamp` for alternative='two-sided'.
 *
 * Equal sizes use the closed form for paths leaving the square's diagonal band
 * (`_compute_prob_outside_square`); unequal sizes count lattice paths that leave the band with Hodges' inside
 * method, carried as the complement so that small p-values keep their digits (Viehmann 2021,
 * `_compute_outer_prob_inside_method`).
 *
 * @param n1 - the first sample size, a positive integer
 * @param n2 - the second sample size, a positive integer
 * @param h - the statistic times lcm(n1, n2), a non-negative integer
 * @returns the p-value; it can fall outside [0, 1] when rounding defeats the method, which the caller checks
 */
export function ksExactPValue(n1: number, n2: number, h: number): number {
  if (![n1, n2].every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(h) && h >= 0)) {
    throw new RangeError('ksExactPValue needs positive integer sizes and a non-negative integer h');
  }
  if (h === 0) return 1;
  if (n1 === n2) return probabilityOutsideSquare(n1, h);
  return probabilityOutsideBand(n1, n2, gcd(n1, n2), h);
}

/** 2 · (A0 − A0·A1 + …) evaluated Horner-like, each term binom(2n, n − jh) / binom(2n, n). */
function probabilityOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/** 1 − (paths strictly inside |x/m − y/n| < h/lcm) / binom(m + n, n), one sliding column at a time. */
function probabilityOutsideBand(first: number, second: number, g: number, h: number): number {
  const m = Math.max(first, second);
  const n = Math.min(first, second);
  const mg = m / g;
  const ng = n / g;

  let minJ = 0;
  let maxJ = Math.min(Math.ceil(h / mg), n + 1);
  let currentLength = maxJ - minJ;
  const length = Math.min(2 * maxJ + 2, n + 1);
  const column = new Float64Array(length).fill(1);
  column.fill(0, minJ, maxJ);
  for (let i = 1; i <= m; i++) {
    const lastMinJ = minJ;
    const lastLength = currentLength;
    minJ = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxJ = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxJ <= minJ) return 1;

    let value = minJ === 0 ? 0 : 1;
    for (let jj = 0; jj < maxJ - minJ; jj++) {
      const j = jj + minJ;
      value = (column[jj + minJ - lastMinJ] * i + value * j) / (i + j);
      column[jj] = value;
    }
    currentLength = maxJ - minJ;
    if (lastLength > currentLength) {
      column.fill(1, maxJ - minJ, Math.min(length, maxJ - minJ + (lastLength - currentLength)));
    }
  }
  return column[maxJ - minJ - 1];
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}
