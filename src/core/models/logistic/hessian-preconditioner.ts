import type { LogisticProblem } from './logistic-objective.js';

/**
 * The lower Cholesky factor L (row-major, (cols + 1) square) of the objective's Hessian at the start, where
 * every probability is 1/2:
 *
 *   H0 = 0.25 * sum_i weight_i * [x_i, 1][x_i, 1]^T + l2 * diag(1, ..., 1, 0).
 *
 * L-BFGS then runs in u = L^T (w, b), where the objective is close to a unit quadratic. This is what makes
 * one-hot features cheap: every full one-hot block sums to the intercept's column, so the Hessian has one
 * direction per block held up only by the penalty, and plain L-BFGS needs hundreds of iterations at C >= 1
 * (as scikit-learn's does); preconditioned, a few tens. Those directions are exact properties of every row,
 * so H0 is summed over all rows: an estimate from a sample of rows breaks them and loses most of the gain
 * at large C.
 *
 * Cost: one pass over the rows, about `nonzeros^2 / 2` multiply-adds per row (zeros are skipped, and
 * one-hot columns make most entries zero), then a Cholesky factorisation in `cols^3 / 6`.
 *
 * Known limit: memory and time grow with the square of the column count; it is meant for up to a few
 * hundred columns.
 */
export function hessianPreconditioner(problem: LogisticProblem): Float64Array {
  const { rows, cols, l2 } = problem;
  const n = cols + 1;
  const h = new Float64Array(n * n);
  const block: RowBlock = {
    columns: new Int32Array(n),
    values: [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)],
    scales: new Float64Array(4),
  };
  for (let first = 0; first < rows; first += 4) addFourRows(problem, first, block, h);
  for (let j = 0; j < cols; j++) h[j * n + j] += l2;

  choleskyInPlace(h, n);
  return h;
}

/** Scratch for four rows restricted to the columns where any of them is non-zero. */
interface RowBlock {
  columns: Int32Array;
  values: [Float64Array, Float64Array, Float64Array, Float64Array];
  scales: Float64Array;
}

/**
 * Adds rows first..first+3 (fewer at the end) to the lower triangle of H0, over the columns where any of
 * them is non-zero. Four rows at a time load and store each entry of H0 a quarter as often, which is most
 * of the cost; the union of their non-zeros is still small for one-hot rows.
 */
function addFourRows(problem: LogisticProblem, first: number, block: RowBlock, h: Float64Array): void {
  const { data, rows, cols, weights } = problem;
  const { columns, values, scales } = block;
  const n = cols + 1;
  const taken = Math.min(4, rows - first);

  let count = 0;
  for (let j = 0; j < cols; j++) {
    for (let r = 0, k = first * cols + j; r < taken; r++, k += cols) {
      if (data[k] !== 0) {
        columns[count++] = j;
        break;
      }
    }
  }
  columns[count++] = cols;

  for (let r = 0; r < 4; r++) {
    const row = values[r];
    if (r >= taken) {
      scales[r] = 0;
      row.fill(0, 0, count);
      continue;
    }
    const offset = (first + r) * cols;
    for (let k = 0; k < count - 1; k++) row[k] = data[offset + columns[k]];
    row[count - 1] = 1;
    scales[r] = 0.25 * weights[first + r];
  }

  const [v0, v1, v2, v3] = values;
  for (let a = 0; a < count; a++) {
    const s0 = scales[0] * v0[a];
    const s1 = scales[1] * v1[a];
    const s2 = scales[2] * v2[a];
    const s3 = scales[3] * v3[a];
    const base = columns[a] * n;
    for (let b = 0; b <= a; b++) h[base + columns[b]] += s0 * v0[b] + s1 * v1[b] + s2 * v2[b] + s3 * v3[b];
  }
}

/**
 * Overwrites the lower triangle of a symmetric positive definite matrix with its Cholesky factor and zeroes
 * the upper one. A pivot lost to rounding is replaced by a tiny positive one; for a preconditioner that
 * only costs iterations.
 */
function choleskyInPlace(h: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const original = h[j * n + j];
    let pivot = original;
    for (let k = 0; k < j; k++) pivot -= h[j * n + k] * h[j * n + k];
    pivot = Math.sqrt(Math.max(pivot, 1e-10 * original, Number.MIN_VALUE));
    h[j * n + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      let sum = h[i * n + j];
      for (let k = 0; k < j; k++) sum -= h[i * n + k] * h[j * n + k];
      h[i * n + j] = sum / pivot;
    }
  }
  for (let i = 0; i < n; i++) h.fill(0, i * n + i + 1, (i + 1) * n);
}
