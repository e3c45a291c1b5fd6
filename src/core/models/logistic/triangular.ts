/**
 * The three products with a lower triangular factor L (row-major, n square) that map between the model's
 * parameters x = (w, b) and the preconditioned coordinates u = L^T x in which L-BFGS runs.
 */

/** x = L^-T u. */
export function solveTransposed(L: Float64Array, u: Float64Array, x: Float64Array): void {
  const n = u.length;
  for (let i = n - 1; i >= 0; i--) {
    let sum = u[i];
    for (let k = i + 1; k < n; k++) sum -= L[k * n + i] * x[k];
    x[i] = sum / L[i * n + i];
  }
}

/** g = L^-1 g in place: a gradient in x becomes one in u. */
export function solveLower(L: Float64Array, g: Float64Array): void {
  const n = g.length;
  for (let i = 0; i < n; i++) {
    let sum = g[i];
    const base = i * n;
    for (let k = 0; k < i; k++) sum -= L[base + k] * g[k];
    g[i] = sum / L[base + i];
  }
}

/** g = L g in place: a gradient in u becomes one in x. */
export function multiplyLower(L: Float64Array, g: Float64Array): void {
  const n = g.length;
  for (let i = n - 1; i >= 0; i--) {
    let sum = 0;
    const base = i * n;
    for (let k = 0; k <= i; k++) sum += L[base + k] * g[k];
    g[i] = sum;
  }
}
