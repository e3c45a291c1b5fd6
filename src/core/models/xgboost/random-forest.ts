import type { Matrix } from '../types.js';
import { Booster } from './booster.js';

export interface RandomForestOptions {
  train: Matrix;
  /** 0 or 1 per row of `train`. */
  labels: Float32Array;
  /** Trees in the forest; default 100. */
  nTrees?: number;
  /** Default 6, XGBoost's own. */
  maxDepth?: number;
  /** Share of rows each tree is grown on, drawn without replacement; default 0.8. */
  subsample?: number;
  /** Share of features considered at each split; default 0.8. */
  colsampleByNode?: number;
  /** Default 1. */
  minChildWeight?: number;
  /**
   * L2 penalty on leaf values; default 1e-5, so that a leaf is close to its rows' Newton step, as a forest's
   * leaves are meant to be, while staying finite on a pure leaf.
   */
  lambda?: number;
  /** Default 0. */
  seed?: number;
  /** Default 2. */
  nthread?: number;
}

function checkShare(name: string, value: number): void {
  if (!(value > 0 && value <= 1)) throw new RangeError(`${name} must be in (0, 1], got ${value}`);
}

/**
 * A random forest grown by XGBoost in its documented forest mode: one boosting round of `nTrees` parallel
 * trees with learning rate 1, each on a row subsample and with features sampled per split. XGBoost divides
 * each tree's leaf values by the number of parallel trees, so the forest's margin is the mean of its trees'
 * margins and the saved model scores like any other (`parseXGBoostModel`, `predictProba`).
 */
export function trainRandomForest(options: RandomForestOptions): Booster {
  const booster = randomForestBooster(options);
  try {
    booster.update(1);
  } catch (error) {
    booster.dispose();
    throw error;
  }
  return booster;
}

/** A booster set up to grow the forest in its one round (`update(1)` or `updateAsync(1)`), not yet grown. */
export function randomForestBooster(options: RandomForestOptions): Booster {
  const {
    train,
    labels,
    nTrees = 100,
    maxDepth = 6,
    subsample = 0.8,
    colsampleByNode = 0.8,
    minChildWeight = 1,
    lambda = 1e-5,
    seed = 0,
    nthread = 2,
  } = options;
  if (!Number.isInteger(nTrees) || nTrees < 1) {
    throw new RangeError(`nTrees must be a positive integer, got ${nTrees}`);
  }
  checkShare('subsample', subsample);
  checkShare('colsampleByNode', colsampleByNode);

  return Booster.create(train, labels, {
    num_parallel_tree: nTrees,
    eta: 1,
    max_depth: maxDepth,
    subsample,
    colsample_bynode: colsampleByNode,
    min_child_weight: minChildWeight,
    lambda,
    seed,
    nthread,
  });
}
