import type { Params } from '../tuning/space.js';
import type { FamilyDefinition, FamilyTrainer, TrainerContext } from './family.js';
import { LogisticTrainer, predictLogistic } from './logistic/index.js';
import type { Matrix, ModelFamily } from './types.js';
import { Booster } from './xgboost/booster.js';
import { randomForestBooster } from './xgboost/random-forest.js';

/**
 * The three families, each with its search space and its real resource for early stopping: boosting rounds
 * for XGBoost (training continues round by round), trees for the random forest (a forest of more trees is
 * grown afresh), optimiser iterations for logistic regression (L-BFGS continues with its memory).
 */

const xgboost: FamilyDefinition = {
  family: 'xgboost',
  resourceName: 'rounds',
  minResource: 30,
  maxResource: 270,
  space: {
    max_depth: { type: 'int', low: 2, high: 8 },
    eta: { type: 'float', low: 0.01, high: 0.3, log: true },
    min_child_weight: { type: 'float', low: 1, high: 50, log: true },
    subsample: { type: 'float', low: 0.5, high: 1 },
    colsample_bytree: { type: 'float', low: 0.3, high: 1 },
    lambda: { type: 'float', low: 0.1, high: 20, log: true },
  },
  defaults: {
    max_depth: 4,
    eta: 0.05,
    min_child_weight: 5,
    subsample: 0.8,
    colsample_bytree: 0.7,
    lambda: 1,
  },
  create: (train, labels, params, context) =>
    boosterTrainer(
      Booster.create(train, labels, { ...numeric(params), seed: context.seed, nthread: context.threads }),
      (booster, resource) => booster.updateAsync(resource - booster.rounds),
    ),
};

const randomForest: FamilyDefinition = {
  family: 'random-forest',
  resourceName: 'trees',
  minResource: 20,
  maxResource: 180,
  space: {
    max_depth: { type: 'int', low: 4, high: 12 },
    min_child_weight: { type: 'float', low: 1, high: 50, log: true },
    subsample: { type: 'float', low: 0.4, high: 0.9 },
    colsample_bynode: { type: 'float', low: 0.1, high: 0.7 },
  },
  defaults: { max_depth: 10, min_child_weight: 5, subsample: 0.63, colsample_bynode: 0.3 },
  create: (train, labels, params, context) => forestTrainer(train, labels, params, context),
};

const logistic: FamilyDefinition = {
  family: 'logistic',
  resourceName: 'iterations',
  // With its preconditioner L-BFGS converges in 10 to 30 iterations here, so the rungs sit below that.
  minResource: 3,
  maxResource: 27,
  space: {
    C: { type: 'float', low: 1e-3, high: 10, log: true },
    class_weight: { type: 'choice', values: ['none', 'balanced'] },
  },
  defaults: { C: 0.1, class_weight: 'none' },
  create: (train, labels, params) => logisticTrainer(train, labels, params),
};

const DEFINITIONS: Record<ModelFamily, FamilyDefinition> = {
  xgboost,
  'random-forest': randomForest,
  logistic,
};

export function familyDefinition(family: ModelFamily): FamilyDefinition {
  return DEFINITIONS[family];
}

function numeric(params: Params): Record<string, number> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, Number(value)]));
}

function boosterTrainer(
  booster: Booster,
  grow: (booster: Booster, resource: number) => Promise<void>,
): FamilyTrainer {
  return {
    advanceTo: (resource) => grow(booster, resource),
    predict: (matrix) => Float64Array.from(booster.predict(matrix)),
    weights: () => booster.toJson(),
    dispose: () => booster.dispose(),
  };
}

/** A forest cannot gain trees without changing the ones it has, so each rung grows a new forest. */
function forestTrainer(
  train: Matrix,
  labels: Float32Array,
  params: Params,
  context: TrainerContext,
): FamilyTrainer {
  let current: Booster | undefined;
  return {
    async advanceTo(resource) {
      const next = randomForestBooster({
        train,
        labels,
        nTrees: resource,
        maxDepth: Number(params.max_depth),
        minChildWeight: Number(params.min_child_weight),
        subsample: Number(params.subsample),
        colsampleByNode: Number(params.colsample_bynode),
        seed: context.seed,
        nthread: context.threads,
      });
      try {
        await next.updateAsync(1);
      } catch (error) {
        next.dispose();
        throw error;
      }
      current?.dispose();
      current = next;
    },
    predict: (matrix) => Float64Array.from(grown(current).predict(matrix)),
    weights: () => grown(current).toJson(),
    dispose: () => current?.dispose(),
  };
}

function grown(booster: Booster | undefined): Booster {
  if (!booster) throw new Error('the forest has not been grown yet');
  return booster;
}

function logisticTrainer(train: Matrix, labels: Float32Array, params: Params): FamilyTrainer {
  const trainer = new LogisticTrainer(train, labels, {
    C: Number(params.C),
    classWeight: params.class_weight === 'balanced' ? 'balanced' : undefined,
  });
  return {
    async advanceTo(resource) {
      trainer.step(resource - trainer.iterations);
    },
    predict: (matrix) => predictLogistic(trainer.model(), matrix),
    weights: () => JSON.stringify(trainer.model()),
    dispose: () => undefined,
  };
}
