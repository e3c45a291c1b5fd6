/** exp() of anything below this is 0 in cephes' own test (MINLOG with denormals). */
const MIN_LOG = -745.1332191019412;
/** Past this n scipy stops summing and uses an asymptotic form; so do we, to give the same answer. */
const MAX_COMPUTE_N = 1_000_000;
const SPLITTER = 134217729; // 2^27 + 1, for the exact product below

/**
 * The survival function of the one-sided Kolmogorov-Smirnov statistic D+ for n samples, P(D+_n >= d), as
 * scipy.special.smirnov(n, d) (scipy 1.10).
 *
 * It sums the Birnbaum-Tingey (Smirnov 1944) series d · Σ C(n,v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v) over
 * v < n(1 - d). Every term is positive, so summing in log space keeps a relative error of about n · 1e-16;
 * scipy sums the same terms in double-double arithmetic, and the two agree far below the 1e-6 we test.
 *
 * @param n - the sample size, a positive integer
 * @param d - the statistic, in [0, 1]
 * @returns the survival probability; NaN outside the domain
 */
export function smirnovSf(n: number, d: number): number {
  if (!(Number.isInteger(n) && n > 0 && d >= 0 && d <= 1)) return Number.NaN;
  if (n === 1) return 1 - d;
  if (d === 0) return 1;
  if (d === 1) return 0;

  const { floor: nxFloor, fraction, high: nx, low: nxLow } = exactProductFloor(n, d);
  if (nxFloor === 0 || (nxFloor === 1 && fraction === 0)) return 1 - d * Math.pow(1 + d, n - 1);
  if (-2 * n * d * d < MIN_LOG) return 0;
  if (nxFloor >= n - 1) return Math.pow(1 - d, n);
  if (n > MAX_COMPUTE_N) return Math.exp(-Math.pow(6 * n * d + 1, 2) / 18 / n);

  return clip(d * lowerSum(n, nxFloor, nx, nxLow));
}

/** Σ_{v=0}^{last} C(n,v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v), with last the largest v below n - nd. */
function lowerSum(n: number, nxFloor: number, nx: number, nxLow: number): number {
  const last = n - nxFloor - 1;
  const logN = Math.log(n);
  let logBinomial = 0;
  let sum = 0;
  let peaked = false;
  let previous = 0;
  for (let v = 0; v <= last; v++) {
    // n - v - nd, with nd carried as high + low parts so the small bases near the end keep their digits.
    const rest = n - v - nx - nxLow;
    const lowerShare = (v + nx + nxLow) / n;
    const logRest = lowerShare < 0.5 ? Math.log1p(-lowerShare) : Math.log(rest) - logN;
    const term = Math.exp(logBinomial + (v - 1) * (Math.log(v + nx + nxLow) - logN) + (n - v) * logRest);
    sum += term;

    // Terms rise to one peak and then fall; past it, stop once the rest cannot reach the last bit.
    if (term < previous) peaked = true;
    if (peaked && 4 * (last - v) * term < Number.EPSILON * sum) break;
    previous = term;
    logBinomial += Math.log((n - v) / (v + 1));
  }
  return sum;
}

/** floor(n · d) and its fraction computed exactly (Dekker's product), as scipy does in double-double. */
function exactProductFloor(
  n: number,
  d: number,
): { floor: number; fraction: number; high: number; low: number } {
  const high = n * d;
  const low = productError(n, d, high);
  let floor = Math.floor(high);
  if (floor === high && low < 0) floor -= 1;
  let fraction = high - floor + low;
  if (fraction >= 1) {
    floor += 1;
    fraction = 0;
  }
  return { floor, fraction, high, low };
}

function productError(a: number, b: number, product: number): number {
  const aSplit = SPLITTER * a;
  const aHigh = aSplit - (aSplit - a);
  const aLow = a - aHigh;
  const bSplit = SPLITTER * b;
  const bHigh = bSplit - (bSplit - b);
  const bLow = b - bHigh;
  return aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

function clip(p: number): number {
  return Math.min(1, Math.max(0, p));
}
