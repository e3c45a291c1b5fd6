import { readFileSync } from 'node:fs';

import type { Matrix } from '../../../src/core/models/types.js';

/** The shape of test/fixtures/logistic/{data,reference}.json, written by make-reference.py next to them. */
export interface LogisticData {
  rows: number;
  cols: number;
  features: number[];
  labels: number[];
}

interface Fit {
  coefficients: number[];
  intercept: number;
  iterations: number;
  gradientMaxAbs: number;
}

export interface LogisticReference {
  generator: string;
  fits: {
    C: number;
    classWeight: 'balanced' | null;
    /** LogisticRegression(solver='lbfgs'), stopped by scipy's ftol about 1e-5 short of the optimum. */
    lbfgs: Fit & { probabilitiesHead: number[] };
    /** The exact optimum (newton-cholesky, checked against lbfgs without ftol). */
    optimum: Fit & { probabilities: number[] };
  }[];
}

function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/logistic/${name}`, import.meta.url), 'utf8')) as T;
}

export function loadData(): { X: Matrix; labels: Uint8Array } {
  const data = readFixture<LogisticData>('data.json');
  return {
    X: { data: Float32Array.from(data.features), rows: data.rows, cols: data.cols },
    labels: Uint8Array.from(data.labels),
  };
}

export function loadReference(): LogisticReference {
  return readFixture<LogisticReference>('reference.json');
}

export function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length)
    throw new Error(`lengths differ: ${actual.length} vs ${expected.length}`);
  let max = 0;
  for (let i = 0; i < actual.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}
