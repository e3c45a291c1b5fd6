import { afterAll, describe, expect, it } from 'vitest';

import { UserError } from '../../../src/core/errors/index.js';
import { Booster } from '../../../src/core/models/xgboost/booster.js';
import { trainRandomForest } from '../../../src/core/models/xgboost/random-forest.js';
import { parseXGBoostModel, predictProba } from '../../../src/core/models/xgboost/tree-scorer.js';
import { maxAbsDifference, syntheticProblem } from './helpers.js';

const sigmoid = (margin: number) => 1 / (1 + Math.exp(-margin));

/** Two stumps in XGBoost's JSON layout, with only the fields the scorer reads. */
function stumps(baseScore: string) {
  const stump = (feature: number, condition: number, defaultLeft: number, leaves: [number, number]) => ({
    left_children: [1, -1, -1],
    right_children: [2, -1, -1],
    split_indices: [feature, 0, 0],
    split_conditions: [condition, ...leaves],
    default_left: [defaultLeft, 0, 0],
    split_type: [0, 0, 0],
  });
  return {
    learner: {
      objective: { name: 'binary:logistic' },
      learner_model_param: { base_score: baseScore, num_feature: '2', num_class: '0', num_target: '1' },
      gradient_booster: {
        name: 'gbtree',
        model: { trees: [stump(0, 0.7, 1, [0.25, -0.5]), stump(1, -1.5, 0, [0.125, 0.75])] },
      },
    },
  };
}

describe('parseXGBoostModel and predictProba', () => {
  it('goes left below the float32 split condition, and follows default_left for NaN', () => {
    const model = parseXGBoostModel(JSON.stringify(stumps('5E-1')));
    // 0.7 as float32 is 0.69999998...: a feature equal to it is not below the condition and goes right,
    // which a float64 comparison with 0.7 would get wrong.
    const rows = [
      [0.69, -2],
      [0.7, -1.5],
      [NaN, NaN],
      [Infinity, 0],
    ];
    const matrix = { data: Float32Array.from(rows.flat()), rows: 4, cols: 2 };

    expect(Array.from(predictProba(model, matrix))).toEqual([
      sigmoid(0.25 + 0.125),
      sigmoid(-0.5 + 0.75),
      sigmoid(0.25 + 0.75),
      sigmoid(-0.5 + 0.75),
    ]);
  });

  it('starts from logit(base_score)', () => {
    const model = parseXGBoostModel(stumps('3E-1'));
    expect(model.baseMargin).toBe(Math.fround(Math.log(0.3 / 0.7)));
    const [p] = predictProba(model, { data: Float32Array.of(0, 0), rows: 1, cols: 2 });
    expect(p).toBe(sigmoid(Math.fround(Math.log(0.3 / 0.7)) + 0.25 + 0.75));
  });

  it('refuses models it cannot score and matrices of the wrong width', () => {
    const withObjective = stumps('5E-1');
    withObjective.learner.objective.name = 'multi:softprob';
    expect(() => parseXGBoostModel(withObjective)).toThrow(UserError);
    expect(() => parseXGBoostModel({ learner: {} })).toThrow(/unsupported XGBoost model/);

    const cyclic = stumps('5E-1');
    cyclic.learner.gradient_booster.model.trees[0].left_children = [0, -1, -1];
    expect(() => parseXGBoostModel(cyclic)).toThrow(/is not a tree/);

    const model = parseXGBoostModel(stumps('5E-1'));
    expect(() => predictProba(model, { data: new Float32Array(3), rows: 1, cols: 3 })).toThrow(RangeError);
  });
});

describe('predictProba against native XGBoost, on every row', () => {
  const { matrix: train, labels } = syntheticProblem(3000, 10, 11, 0.1);
  const { matrix: holdout } = syntheticProblem(1000, 10, 12, 0.1);
  const boosters: Booster[] = [];
  afterAll(() => boosters.forEach((booster) => booster.dispose()));

  const expectSameScores = (booster: Booster) => {
    const model = parseXGBoostModel(booster.toJson());
    for (const matrix of [train, holdout]) {
      expect(maxAbsDifference(predictProba(model, matrix), booster.predict(matrix))).toBeLessThan(1e-6);
    }
  };

  it('scores a boosted model like XGBoost', () => {
    const booster = Booster.create(train, labels, { eta: 0.1, max_depth: 6, subsample: 0.8, seed: 3 });
    boosters.push(booster);
    booster.update(100);
    expectSameScores(booster);
  });

  it('scores a model with a base_score other than 0.5 like XGBoost', () => {
    const booster = Booster.create(train, labels, { base_score: 0.3, max_depth: 3 });
    boosters.push(booster);
    booster.update(20);
    expectSameScores(booster);
  });

  it('scores a random forest like XGBoost', () => {
    const forest = trainRandomForest({ train, labels, nTrees: 60, maxDepth: 8, seed: 5 });
    boosters.push(forest);
    expectSameScores(forest);
  });

  it('refuses a regression model saved by XGBoost', () => {
    const booster = Booster.create(train, labels, { objective: 'reg:squarederror' });
    boosters.push(booster);
    booster.update(1);
    expect(() => parseXGBoostModel(booster.toJson())).toThrow(/objective reg:squarederror/);
  });
});
