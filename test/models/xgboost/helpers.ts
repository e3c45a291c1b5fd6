import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Matrix } from '../../../src/core/models/types.js';
import type { XGBoostParams } from '../../../src/core/models/xgboost/booster.js';
import type { RandomForestOptions } from '../../../src/core/models/xgboost/random-forest.js';
import { Random } from '../../../src/core/util/random.js';

export interface Reference {
  xgboostVersion: string;
  matrix: Matrix;
  labels: Float32Array;
  boost: { params: XGBoostParams; rounds: number; probabilities: number[] };
  forest: {
    options: Omit<RandomForestOptions, 'train' | 'labels'>;
    params: XGBoostParams;
    probabilities: number[];
  };
}

/** The data, parameters and predictions written by test/fixtures/xgboost/make-reference.py. */
export function loadReference(): Reference {
  const path = fileURLToPath(new URL('../../fixtures/xgboost/reference.json', import.meta.url));
  const raw = JSON.parse(readFileSync(path, 'utf8'));
  const data = Float32Array.from(raw.data as (number | null)[], (value) => (value === null ? NaN : value));
  return {
    xgboostVersion: raw.xgboostVersion,
    matrix: { data, rows: raw.rows, cols: raw.cols },
    labels: Float32Array.from(raw.labels as number[]),
    boost: raw.boost,
    forest: raw.forest,
  };
}

/**
 * A seeded binary problem: standard normal features, a label that depends on the first few, and a share of
 * values set missing. Some values are repeated on purpose so that rows fall exactly on split conditions.
 */
export function syntheticProblem(
  rows: number,
  cols: number,
  seed: number,
  missingShare = 0.05,
): { matrix: Matrix; labels: Float32Array } {
  const random = new Random(seed);
  const data = new Float32Array(rows * cols);
  const labels = new Float32Array(rows);

  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    for (let col = 0; col < cols; col++) data[offset + col] = Math.round(random.normal() * 100) / 100;
    const logit = data[offset] - 0.7 * data[offset + 1] + 0.5 * data[offset + 2] * data[offset + (3 % cols)];
    labels[row] = random.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  for (let i = 0; i < data.length; i++) if (random.next() < missingShare) data[i] = NaN;
  return { matrix: { data, rows, cols }, labels };
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
