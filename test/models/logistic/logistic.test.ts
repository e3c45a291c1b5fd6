import { describe, expect, it } from 'vitest';

import { logLoss } from '../../../src/core/evaluation/index.js';
import {
  LogisticTrainer,
  parseLogisticModel,
  predictLogistic,
  trainLogistic,
} from '../../../src/core/models/logistic/index.js';
import type { Matrix } from '../../../src/core/models/types.js';
import { Random } from '../../../src/core/util/random.js';
import { loadData, loadReference, maxAbsDifference } from './reference.js';

const { X, labels } = loadData();
const reference = loadReference();

describe.each(reference.fits)('against scikit-learn, C=$C class_weight=$classWeight', (fit) => {
  const options = { C: fit.C, classWeight: fit.classWeight ?? undefined };
  const result = trainLogistic(X, labels, options);
  const probabilities = predictLogistic(result.model, X);

  it('converges with the default tol and maxIter', () => {
    expect(result.status).toBe('converged');
    expect(result.gradientMaxAbs).toBeLessThanOrEqual(1e-6);
  });

  it('reproduces LogisticRegression(solver=lbfgs) coefficients to 1e-4', () => {
    expect(maxAbsDifference(result.model.coefficients, fit.lbfgs.coefficients)).toBeLessThan(1e-4);
    expect(Math.abs(result.model.intercept - fit.lbfgs.intercept)).toBeLessThan(1e-4);
    expect(maxAbsDifference(probabilities.subarray(0, 500), fit.lbfgs.probabilitiesHead)).toBeLessThan(1e-4);
  });

  it('reproduces the exact optimum: coefficients to 1e-6 and predict_proba to 1e-6', () => {
    expect(maxAbsDifference(result.model.coefficients, fit.optimum.coefficients)).toBeLessThan(1e-6);
    expect(Math.abs(result.model.intercept - fit.optimum.intercept)).toBeLessThan(1e-6);
    expect(maxAbsDifference(probabilities, fit.optimum.probabilities)).toBeLessThan(1e-6);
  });

  it('reports the regularised mean log-loss', () => {
    const weights = rowWeights(labels, options.classWeight);
    const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
    const penalty = fit.optimum.coefficients.reduce((sum, c) => sum + c * c, 0) / (2 * fit.C);
    let weightedLoss = 0;
    for (let i = 0; i < labels.length; i++) {
      weightedLoss += weights[i] * logLoss([labels[i]], [fit.optimum.probabilities[i]]);
    }
    expect(result.loss).toBeCloseTo((weightedLoss + penalty) / totalWeight, 9);
  });
});

describe('LogisticTrainer', () => {
  it('continues from where a step ended, exactly as one long step', () => {
    const whole = new LogisticTrainer(X, labels, { tol: 0 });
    whole.step(12);
    const pieces = new LogisticTrainer(X, labels, { tol: 0 });
    for (const size of [1, 3, 8]) pieces.step(size);
    expect(pieces.iterations).toBe(12);
    expect(pieces.model()).toEqual(whole.model());
  });

  it('snapshots the model: later steps leave an earlier snapshot as it was', () => {
    const trainer = new LogisticTrainer(X, labels);
    trainer.step(2);
    const early = trainer.model();
    const copy = structuredClone(early);
    trainer.step(50);
    expect(early).toEqual(copy);
    expect(trainer.model()).not.toEqual(early);
  });

  it('reports every iteration with a falling loss, and stops when asked', () => {
    const seen: [number, number][] = [];
    const trainer = new LogisticTrainer(X, labels, {
      onIteration: (iteration, loss) => {
        seen.push([iteration, loss]);
        return iteration === 4 ? 'stop' : undefined;
      },
    });
    expect(trainer.step(100)).toMatchObject({ status: 'stopped', iterations: 4 });
    expect(seen.map(([iteration]) => iteration)).toEqual([1, 2, 3, 4]);
    for (let k = 1; k < seen.length; k++) expect(seen[k][1]).toBeLessThan(seen[k - 1][1]);

    const resumed = trainer.step(100);
    expect(resumed.status).toBe('converged');
    expect(trainer.model()).toEqual(trainLogistic(X, labels).model);
  });

  it('does nothing once converged', () => {
    const trainer = new LogisticTrainer(X, labels);
    const converged = trainer.step(100);
    expect(trainer.step(10)).toEqual(converged);
  });

  it('ends with iteration-limit when the iterations run out first', () => {
    expect(trainLogistic(X, labels, { maxIter: 3 })).toMatchObject({
      status: 'iteration-limit',
      iterations: 3,
    });
    expect(trainLogistic(X, labels, { maxIter: 0 }).model).toEqual({
      family: 'logistic',
      coefficients: new Array(X.cols).fill(0),
      intercept: 0,
    });
  });

  it('accepts Float32Array and plain array labels', () => {
    const expected = trainLogistic(X, labels).model;
    expect(trainLogistic(X, Float32Array.from(labels)).model).toEqual(expected);
    expect(trainLogistic(X, Array.from(labels)).model).toEqual(expected);
  });
});

describe('training speed and conditioning', () => {
  it('fits 14,000 rows of 9 numeric and 35 one-hot columns (150 in all) within 40 iterations', () => {
    const X = oneHotMatrix(14_000, new Random(42));
    const y = syntheticLabels(X, new Random(43));
    for (const C of [0.01, 1, 100]) {
      const result = trainLogistic(X, y, { C });
      expect(result.status).toBe('converged');
      expect(result.iterations).toBeLessThan(40);
    }
  });
});

describe('predictLogistic', () => {
  it('gives finite probabilities at extreme margins', () => {
    const X: Matrix = { data: Float32Array.of(1000, -1000, 0), rows: 3, cols: 1 };
    const probabilities = predictLogistic({ family: 'logistic', coefficients: [1], intercept: 0 }, X);
    expect(Array.from(probabilities)).toEqual([1, Math.exp(-1000) / (1 + Math.exp(-1000)), 0.5]);
  });

  it('rejects a matrix whose columns do not match, and missing values', () => {
    const model = { family: 'logistic' as const, coefficients: [1, 2], intercept: 0 };
    expect(() => predictLogistic(model, { data: new Float32Array(3), rows: 1, cols: 3 })).toThrow(
      'the model has 2 coefficients but X has 3 columns',
    );
    expect(() => predictLogistic(model, { data: Float32Array.of(1, Number.NaN), rows: 1, cols: 2 })).toThrow(
      'feature 1 of row 0 is NaN; impute and scale before logistic regression',
    );
  });
});

describe('parseLogisticModel', () => {
  it('reads back the JSON of a trained model', () => {
    const model = trainLogistic(X, labels).model;
    expect(parseLogisticModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
  });

  it('rejects other families and non-numeric weights', () => {
    expect(() => parseLogisticModel({ family: 'xgboost' })).toThrow(/not "logistic"/);
    expect(() => parseLogisticModel({ family: 'logistic', coefficients: [1, null], intercept: 0 })).toThrow(
      /coefficients/,
    );
    expect(() => parseLogisticModel({ family: 'logistic', coefficients: [], intercept: '0' })).toThrow(
      /intercept/,
    );
  });
});

describe('input guards', () => {
  it('rejects bad labels, shapes and options with what was wrong', () => {
    const small: Matrix = { data: Float32Array.of(0, 1, 2), rows: 3, cols: 1 };
    expect(() => trainLogistic(small, [0, 1])).toThrow('X has 3 rows but y has 2 labels');
    expect(() => trainLogistic(small, [0, 1, 2])).toThrow('y[2] is 2; labels must be 0 or 1');
    expect(() => trainLogistic(small, [1, 1, 1])).toThrow('all 3 labels are 1; it needs both classes');
    expect(() => trainLogistic({ ...small, rows: 2 }, [0, 1])).toThrow(
      'the matrix is 2 x 1 but holds 3 values',
    );
    expect(() => trainLogistic(small, [0, 1, 0], { C: 0 })).toThrow('C is 0; it must be a positive number');
    expect(() => trainLogistic(small, [0, 1, 0], { maxIter: 1.5 })).toThrow(/maxIter is 1.5/);
    expect(() => new LogisticTrainer(small, [0, 1, 0]).step(-1)).toThrow(/iterations is -1/);
  });
});

function rowWeights(y: Uint8Array, classWeight: 'balanced' | undefined): number[] {
  const positives = y.reduce((sum, label) => sum + label, 0);
  return Array.from(y, (label) =>
    classWeight === undefined ? 1 : y.length / (2 * (label === 1 ? positives : y.length - positives)),
  );
}

/**
 * Rows shaped like the preprocessor's output: 9 standardised numeric columns, then 35 full one-hot blocks
 * (141 columns) of skewed category frequencies, each block summing to 1 in every row.
 */
function oneHotMatrix(rows: number, random: Random): Matrix {
  const blockSizes = Array.from({ length: 35 }, (_, k) => 2 + (k % 7));
  const cols = 9 + blockSizes.reduce((sum, size) => sum + size, 0);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const offset = i * cols;
    for (let j = 0; j < 9; j++) data[offset + j] = random.normal();
    let start = offset + 9;
    for (const size of blockSizes) {
      const level = Math.min(size - 1, Math.floor(size * random.next() ** 2));
      data[start + level] = 1;
      start += size;
    }
  }
  return { data, rows, cols };
}

function syntheticLabels(X: Matrix, random: Random): Uint8Array {
  const coefficients = Array.from({ length: X.cols }, () => 0.3 * random.normal());
  const y = new Uint8Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let z = -2;
    for (let j = 0; j < X.cols; j++) z += X.data[i * X.cols + j] * coefficients[j];
    y[i] = random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return y;
}
