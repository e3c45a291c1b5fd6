import type { Matrix } from '../types.js';

/**
 * The type guard on a feature matrix for the logistic model: a Float32Array of `rows * cols` finite values.
 * Logistic regression has no notion of a missing value, so NaN means the caller skipped imputation.
 *
 * @param caller names the caller in the error messages.
 */
export function checkFeatures(caller: string, X: Matrix): void {
  if (typeof X !== 'object' || X === null || !(X.data instanceof Float32Array)) {
    throw new TypeError(`${caller}: the feature matrix must hold its values in a Float32Array`);
  }
  const { data, rows, cols } = X;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`${caller}: the matrix shape ${rows} x ${cols} is not a pair of whole numbers`);
  }
  if (data.length !== rows * cols) {
    throw new RangeError(`${caller}: the matrix is ${rows} x ${cols} but holds ${data.length} values`);
  }
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const row = Math.floor(k / cols);
      const where = `feature ${k - row * cols} of row ${row} is ${data[k]}`;
      throw new RangeError(`${caller}: ${where}; impute and scale before logistic regression`);
    }
  }
}
