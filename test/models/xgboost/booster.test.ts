import { afterEach, describe, expect, it } from 'vitest';

import { ExternalError } from '../../../src/core/errors/index.js';
import { Booster, type XGBoostParams } from '../../../src/core/models/xgboost/booster.js';
import { maxAbsDifference, syntheticProblem } from './helpers.js';

// Row and feature sampling are on, so these tests also show that sampling does not depend on how the
// rounds were split into calls or on other boosters trained in between.
const PARAMS: XGBoostParams = { eta: 0.2, max_depth: 4, subsample: 0.7, colsample_bynode: 0.6, seed: 7 };

const { matrix: train, labels } = syntheticProblem(1500, 6, 1);
const { matrix: holdout } = syntheticProblem(500, 6, 2);

const boosters: Booster[] = [];
function track(booster: Booster): Booster {
  boosters.push(booster);
  return booster;
}
afterEach(() => boosters.splice(0).forEach((booster) => booster.dispose()));

describe('Booster', () => {
  it('sets nthread, seed and hist explicitly', () => {
    const config = track(Booster.create(train, labels, { nthread: undefined })).config() as {
      learner: {
        generic_param: Record<string, string>;
        gradient_booster: { gbtree_train_param: Record<string, string> };
      };
    };
    expect(config.learner.generic_param).toMatchObject({ nthread: '2', seed: '0', seed_per_iteration: '1' });
    expect(config.learner.gradient_booster.gbtree_train_param.tree_method).toBe('hist');
  });

  it('continues from the current round: 10 then 20 rounds equal 30 in one go', () => {
    const stepped = track(Booster.create(train, labels, PARAMS));
    stepped.update(10);
    expect(stepped.rounds).toBe(10);
    stepped.predict(holdout);
    stepped.update(20);

    const direct = track(Booster.create(train, labels, PARAMS));
    direct.update(30);

    expect(stepped.rounds).toBe(30);
    expect(maxAbsDifference(stepped.predict(holdout), direct.predict(holdout))).toBeLessThan(1e-6);
    expect(stepped.toJson()).toBe(direct.toJson());
  });

  it('gives the same model when other boosters train in between its rounds', () => {
    const interleaved = track(Booster.create(train, labels, PARAMS));
    const other = track(Booster.create(train, labels, { ...PARAMS, seed: 99 }));
    interleaved.update(5);
    other.update(5);
    interleaved.update(5);

    const alone = track(Booster.create(train, labels, PARAMS));
    alone.update(10);
    expect(interleaved.toJson()).toBe(alone.toJson());
  });

  it('predicts probabilities on the training matrix and on new rows', () => {
    const booster = track(Booster.create(train, labels, PARAMS));
    booster.update(15);

    const onTrain = booster.predict(train);
    const onCopy = booster.predict({ ...train, data: train.data.slice() });
    expect(onTrain).toHaveLength(train.rows);
    expect(Array.from(onTrain)).toEqual(Array.from(onCopy));
    expect(booster.predict(holdout).every((p) => p > 0 && p < 1)).toBe(true);
  });

  it('reloads its JSON model into a booster that predicts the same', () => {
    const booster = track(Booster.create(train, labels, PARAMS));
    booster.update(12);
    const loaded = track(Booster.fromJson(booster.toJson()));

    expect(loaded.rounds).toBe(12);
    expect(Array.from(loaded.predict(holdout))).toEqual(Array.from(booster.predict(holdout)));
    expect(() => loaded.update(1)).toThrow(/no training data/);
  });

  it('raises an ExternalError naming xgboost for a bad parameter, when it is set', () => {
    const attempt = (params: XGBoostParams) => () => Booster.create(train, labels, params);
    expect(attempt({ max_depth: -3 })).toThrow(ExternalError);
    expect(attempt({ max_depth: -3 })).toThrow(/^xgboost: value -3 for Parameter max_depth/);
    expect(attempt({ objective: 'binary:nope' })).toThrow(
      /^xgboost: Unknown objective function: `binary:nope`/,
    );

    try {
      Booster.create(train, labels, { tree_method: 'sideways' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ExternalError);
      expect((error as ExternalError).system).toBe('xgboost');
      expect((error as ExternalError).status).toBe(-1);
      expect((error as ExternalError).output).not.toMatch(/Stack trace/);
    }
  });

  it('raises an ExternalError when XGBoost refuses the data at the first round', () => {
    const booster = track(
      Booster.create(
        train,
        labels.map((label) => label * 2),
      ),
    );
    expect(() => booster.update(1)).toThrow(/^xgboost: label must be in \[0,1\] for logistic regression/);
  });

  it('refuses mismatched shapes and bad counts before calling XGBoost', () => {
    expect(() => Booster.create(train, labels.subarray(1))).toThrow(RangeError);
    expect(() => Booster.create({ ...train, rows: train.rows + 1 }, labels)).toThrow(RangeError);
    expect(() => Booster.create(train, labels, { nthread: 0 })).toThrow(/nthread must be a positive integer/);
    expect(() => track(Booster.create(train, labels)).update(1.5)).toThrow(RangeError);
  });

  it('frees its native memory once and refuses use after dispose', () => {
    const booster = Booster.create(train, labels, PARAMS);
    booster.update(2);
    booster.dispose();
    booster.dispose();
    expect(() => booster.predict(holdout)).toThrow(/disposed/);
    expect(() => booster.toJson()).toThrow(/disposed/);
  });
});
