/** A fitted logistic regression as stored in a run's `weights.json`. */
export interface LogisticModel {
  family: 'logistic';
  /** One weight per feature column, in the matrix's column order. */
  coefficients: number[];
  intercept: number;
}

/**
 * The type guard for a logistic model read back from JSON: the family, finite coefficients and a finite
 * intercept. Returns the same model with only those three fields.
 */
export function parseLogisticModel(value: unknown): LogisticModel {
  if (typeof value !== 'object' || value === null)
    throw new TypeError('logistic model: expected a JSON object');
  const { family, coefficients, intercept } = value as Record<string, unknown>;
  if (family !== 'logistic')
    throw new TypeError(`logistic model: family is ${String(family)}, not "logistic"`);
  if (
    !Array.isArray(coefficients) ||
    !coefficients.every((c) => typeof c === 'number' && Number.isFinite(c))
  ) {
    throw new TypeError('logistic model: coefficients must be an array of finite numbers');
  }
  if (typeof intercept !== 'number' || !Number.isFinite(intercept)) {
    throw new TypeError('logistic model: intercept must be a finite number');
  }
  return { family, coefficients: coefficients as number[], intercept };
}
