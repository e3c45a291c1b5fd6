import type { Table } from '../data/table.js';
import { transform } from '../features/preprocessor.js';
import type { ModelArtifact } from './artifact.js';
import { parseLogisticModel, predictLogistic } from './logistic/index.js';
import type { Matrix } from './types.js';
import { parseXGBoostModel, predictProba as predictTrees, type TreeEnsemble } from './xgboost/tree-scorer.js';

/**
 * Scores with a saved model in TypeScript alone: the logistic coefficients, or XGBoost's saved trees walked
 * here, so that scoring needs no native library.
 */
export interface Scorer {
  predict(matrix: Matrix): Float64Array;
}

const compiled = new WeakMap<ModelArtifact, Scorer>();

export function scorerFor(artifact: ModelArtifact): Scorer {
  const cached = compiled.get(artifact);
  if (cached) return cached;
  let scorer: Scorer;
  if (artifact.descriptor.family === 'logistic') {
    const model = parseLogisticModel(JSON.parse(artifact.weights));
    scorer = { predict: (matrix) => predictLogistic(model, matrix) };
  } else {
    const ensemble: TreeEnsemble = parseXGBoostModel(artifact.weights);
    scorer = { predict: (matrix) => predictTrees(ensemble, matrix) };
  }
  compiled.set(artifact, scorer);
  return scorer;
}

/** The probability of the positive class for every row of a raw table, through the model's own preprocessor. */
export function scoreTable(artifact: ModelArtifact, table: Table): Float64Array {
  return scorerFor(artifact).predict(transform(artifact.preprocessor, table, { imputeMissing: true }));
}
