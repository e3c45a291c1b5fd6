import { EXIT_CODES, UserError } from '../../errors/index.js';
import type { Matrix } from '../types.js';

/**
 * A pure TypeScript scorer for XGBoost's saved JSON model, so that serving needs no native library.
 *
 * It follows XGBoost's CPU predictor: at an internal node a present value goes left when it is below the
 * split condition and a missing one (NaN) goes where `default_left` says; a row's margin is the base margin
 * plus one leaf value per tree; the probability is the sigmoid of the margin. Split conditions and leaf
 * values are held as float32, the type XGBoost holds them in, because a float32 feature equal to a split
 * condition must compare equal to it; the sum is taken in float64.
 *
 * Known limit: only binary logistic models of the gbtree booster with numerical splits are read; dart,
 * multi-class and categorical models are refused with a UserError.
 */

/** All trees of an ensemble laid end to end; node indices are into these arrays. */
export interface TreeEnsemble {
  /** Features the model was trained on; a scored matrix must have this many columns. */
  nFeatures: number;
  /** logit(base_score), added to every row's margin. */
  baseMargin: number;
  /** The root node of each tree. */
  roots: Int32Array;
  /** Left child of each node, or -1 at a leaf. */
  left: Int32Array;
  right: Int32Array;
  /** Feature tested at each internal node. */
  feature: Int32Array;
  /** Split condition at an internal node, leaf value at a leaf (XGBoost stores them in one field too). */
  condition: Float32Array;
  /** 1 where a missing value goes left. */
  defaultLeft: Uint8Array;
}

const SUPPORTED_OBJECTIVES = new Set(['binary:logistic', 'reg:logistic']);

interface JsonTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: (number | boolean)[];
  split_type?: number[];
}

function refuse(message: string): never {
  throw new UserError(
    `unsupported XGBoost model: ${message}`,
    'score with a binary:logistic gbtree model saved as XGBoost JSON (Booster.toJson or save_model("*.json"))',
    EXIT_CODES.badInput,
  );
}

function child(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) refuse(`${path} is missing`);
  return value as Record<string, unknown>;
}

function numberArray(tree: Record<string, unknown>, key: string, length: number, index: number): number[] {
  const values = tree[key];
  if (!Array.isArray(values) || values.length !== length) {
    refuse(`tree ${index} has no ${key} array of ${length} nodes`);
  }
  return values as number[];
}

function readTree(raw: unknown, index: number): JsonTree {
  const tree = child(raw, `tree ${index}`);
  const left = tree.left_children;
  if (!Array.isArray(left) || left.length === 0) refuse(`tree ${index} has no nodes`);

  const n = left.length;
  const splitType = tree.split_type;
  if (Array.isArray(splitType) && splitType.some((type) => type !== 0)) {
    refuse(`tree ${index} has categorical splits`);
  }
  return {
    left_children: left as number[],
    right_children: numberArray(tree, 'right_children', n, index),
    split_indices: numberArray(tree, 'split_indices', n, index),
    split_conditions: numberArray(tree, 'split_conditions', n, index),
    default_left: numberArray(tree, 'default_left', n, index),
  };
}

/**
 * Checks that every node reachable from the root is reached once, its children are in range and its feature
 * exists: a tree that passes cannot send the scorer out of bounds or round a cycle.
 */
function checkTree(tree: JsonTree, index: number, nFeatures: number): void {
  const n = tree.left_children.length;
  const seen = new Uint8Array(n);
  const stack = [0];

  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (!Number.isInteger(node) || node < 0 || node >= n || seen[node]) {
      refuse(`tree ${index} is not a tree (node ${node} out of range or reached twice)`);
    }
    seen[node] = 1;
    if (tree.left_children[node] === -1) continue;

    const feature = tree.split_indices[node];
    if (!Number.isInteger(feature) || feature < 0 || feature >= nFeatures) {
      refuse(`tree ${index} splits on feature ${feature} of ${nFeatures}`);
    }
    stack.push(tree.left_children[node], tree.right_children[node]);
  }
}

function baseMarginOf(baseScore: number): number {
  if (!(baseScore > 0 && baseScore < 1)) refuse(`base_score ${baseScore} is not a probability`);
  // XGBoost turns base_score into a margin in float32.
  return Math.fround(-Math.log(1 / baseScore - 1));
}

/** Reads XGBoost's JSON model (a string or the parsed document) into a `TreeEnsemble`. */
export function parseXGBoostModel(model: string | object): TreeEnsemble {
  const document = typeof model === 'string' ? (JSON.parse(model) as unknown) : model;
  const learner = child(child(document, 'the document').learner, 'learner');
  const objective = child(learner.objective, 'learner.objective').name;
  if (typeof objective !== 'string' || !SUPPORTED_OBJECTIVES.has(objective)) {
    refuse(`objective ${String(objective)}`);
  }

  const modelParam = child(learner.learner_model_param, 'learner.learner_model_param');
  const nFeatures = Number(modelParam.num_feature);
  if (!Number.isInteger(nFeatures) || nFeatures < 1) refuse(`num_feature ${String(modelParam.num_feature)}`);
  if (Number(modelParam.num_class ?? 0) > 1 || Number(modelParam.num_target ?? 1) > 1) {
    refuse('more than one output');
  }
  const booster = child(learner.gradient_booster, 'learner.gradient_booster');
  if (booster.name !== 'gbtree') refuse(`booster ${String(booster.name)}`);

  const gbtree = child(booster.model, 'learner.gradient_booster.model');
  if (!Array.isArray(gbtree.trees)) refuse('learner.gradient_booster.model.trees is missing');
  const trees = gbtree.trees.map((raw, index) => readTree(raw, index));
  trees.forEach((tree, index) => checkTree(tree, index, nFeatures));

  return pack(trees, nFeatures, baseMarginOf(Number(modelParam.base_score)));
}

function pack(trees: JsonTree[], nFeatures: number, baseMargin: number): TreeEnsemble {
  const total = trees.reduce((sum, tree) => sum + tree.left_children.length, 0);
  const ensemble: TreeEnsemble = {
    nFeatures,
    baseMargin,
    roots: new Int32Array(trees.length),
    left: new Int32Array(total),
    right: new Int32Array(total),
    feature: new Int32Array(total),
    condition: new Float32Array(total),
    defaultLeft: new Uint8Array(total),
  };

  let offset = 0;
  trees.forEach((tree, index) => {
    ensemble.roots[index] = offset;
    for (let node = 0; node < tree.left_children.length; node++) {
      const at = offset + node;
      const isLeaf = tree.left_children[node] === -1;
      ensemble.left[at] = isLeaf ? -1 : offset + tree.left_children[node];
      ensemble.right[at] = isLeaf ? -1 : offset + tree.right_children[node];
      ensemble.feature[at] = tree.split_indices[node];
      ensemble.condition[at] = tree.split_conditions[node];
      ensemble.defaultLeft[at] = tree.default_left[node] ? 1 : 0;
    }
    offset += tree.left_children.length;
  });
  return ensemble;
}

/** The probability of the positive class for each row of `matrix`, as XGBoost's own `predict` gives it. */
export function predictProba(model: TreeEnsemble, matrix: Matrix): Float64Array {
  const { rows, cols, data } = matrix;
  if (cols !== model.nFeatures) {
    throw new RangeError(`the model has ${model.nFeatures} features, the matrix ${cols} columns`);
  }
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix data has ${data.length} values, expected ${rows} x ${cols}`);
  }

  const { roots, left, right, feature, condition, defaultLeft } = model;
  const probabilities = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const start = row * cols;
    let margin = model.baseMargin;
    for (let tree = 0; tree < roots.length; tree++) {
      let node = roots[tree];
      while (left[node] !== -1) {
        const value = data[start + feature[node]];
        const goLeft = Number.isNaN(value) ? defaultLeft[node] === 1 : value < condition[node];
        node = goLeft ? left[node] : right[node];
      }
      margin += condition[node];
    }
    probabilities[row] = 1 / (1 + Math.exp(-margin));
  }
  return probabilities;
}
