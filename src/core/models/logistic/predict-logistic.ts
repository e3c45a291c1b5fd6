import type { Matrix } from '../types.js';
import { checkFeatures } from './check-features.js';
import type { LogisticModel } from './logistic-model.js';
import { sigmoid } from './sigmoid.js';

/** The probability of the positive class for every row of `X`, whose columns must match the model's. */
export function predictLogistic(model: LogisticModel, X: Matrix): Float64Array {
  checkFeatures('predictLogistic', X);
  const { coefficients, intercept } = model;
  if (coefficients.length !== X.cols) {
    throw new RangeError(
      `predictLogistic: the model has ${coefficients.length} coefficients but X has ${X.cols} columns`,
    );
  }

  const { data, rows, cols } = X;
  const weights = Float64Array.from(coefficients);
  const probabilities = new Float64Array(rows);
  for (let i = 0, offset = 0; i < rows; i++, offset += cols) {
    let z = intercept;
    for (let j = 0; j < cols; j++) z += data[offset + j] * weights[j];
    probabilities[i] = sigmoid(z);
  }
  return probabilities;
}
