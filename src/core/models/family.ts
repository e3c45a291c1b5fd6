import type { Params, SearchSpace } from '../tuning/space.js';
import type { Matrix, ModelFamily } from './types.js';

/**
 * A model being trained that can grow by a real resource (boosting rounds, trees, optimiser iterations), so
 * that early stopping saves real work.
 */
export interface FamilyTrainer {
  /** Trains until the model holds `resource` units in all. */
  advanceTo(resource: number): Promise<void>;
  predict(matrix: Matrix): Float64Array;
  /** The trained weights as the file that scoring reads (XGBoost's JSON model, or the coefficients). */
  weights(): string;
  dispose(): void;
}

export interface TrainerContext {
  seed: number;
  /** Native threads this trainer may use. */
  threads: number;
}

export interface FamilyDefinition {
  family: ModelFamily;
  /** What the resource counts, for logs and run tags. */
  resourceName: 'rounds' | 'trees' | 'iterations';
  minResource: number;
  maxResource: number;
  space: SearchSpace;
  /** Parameters of the single fit `train` makes without `--hpo`. */
  defaults: Params;
  create(train: Matrix, labels: Float32Array, params: Params, context: TrainerContext): FamilyTrainer;
}
