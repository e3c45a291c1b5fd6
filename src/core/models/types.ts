/** A dense feature matrix, row-major, missing values as NaN. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export type ModelFamily = 'logistic' | 'random-forest' | 'xgboost';

export const MODEL_FAMILIES: readonly ModelFamily[] = ['logistic', 'random-forest', 'xgboost'];

export function matrixRow(matrix: Matrix, row: number): Float32Array {
  return matrix.data.subarray(row * matrix.cols, (row + 1) * matrix.cols);
}
