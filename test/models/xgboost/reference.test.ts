import { afterAll, describe, expect, it } from 'vitest';

import { Booster } from '../../../src/core/models/xgboost/booster.js';
import { xgboostVersion } from '../../../src/core/models/xgboost/native.js';
import { trainRandomForest } from '../../../src/core/models/xgboost/random-forest.js';
import { loadReference, maxAbsDifference } from './helpers.js';

// Python's package and this binding load the same Debian build of libxgboost, and training is
// deterministic for a fixed nthread and seed_per_iteration, so the predictions agree to the last float32
// bit; 1e-6 leaves room for another build of the same version.
const TOLERANCE = 1e-6;

describe('native XGBoost against the Python reference', () => {
  const reference = loadReference();
  const boosters: Booster[] = [];
  afterAll(() => boosters.forEach((booster) => booster.dispose()));

  it('loads the XGBoost version the fixture was made with', () => {
    expect(xgboostVersion().join('.')).toBe(reference.xgboostVersion);
  });

  it('boosts to the same predictions as xgboost.train', () => {
    const booster = Booster.create(reference.matrix, reference.labels, reference.boost.params);
    boosters.push(booster);
    booster.update(reference.boost.rounds);

    const predictions = booster.predict(reference.matrix);
    expect(maxAbsDifference(predictions, reference.boost.probabilities)).toBeLessThan(TOLERANCE);
    expect(Array.from(predictions)).toEqual(reference.boost.probabilities.map(Math.fround));
  });

  it('grows the same random forest as XGBoost forest mode in Python', () => {
    const forest = trainRandomForest({
      train: reference.matrix,
      labels: reference.labels,
      ...reference.forest.options,
    });
    boosters.push(forest);

    const predictions = forest.predict(reference.matrix);
    expect(maxAbsDifference(predictions, reference.forest.probabilities)).toBeLessThan(TOLERANCE);
    expect(Array.from(predictions)).toEqual(reference.forest.probabilities.map(Math.fround));
  });
});
