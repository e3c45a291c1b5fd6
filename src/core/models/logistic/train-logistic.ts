import type { Matrix } from '../types.js';
import { LogisticTrainer } from './logistic-trainer.js';
import type { LogisticModel } from './logistic-model.js';
import type { BinaryTarget, LogisticProgress, TrainLogisticOptions } from './types.js';

export interface TrainLogisticResult extends LogisticProgress {
  model: LogisticModel;
}

/**
 * Fits L2-regularised logistic regression with an unpenalised intercept by L-BFGS, the model of
 * scikit-learn's `LogisticRegression(C, solver='lbfgs')`. See `LogisticTrainerOptions` for the objective
 * and the options; `maxIter` defaults to 100.
 *
 * scikit-learn (through scipy) also stops when the objective's relative decrease falls below about 2.2e-9,
 * whatever `tol` says; this fit has no such rule and so goes on towards the exact optimum. With a small
 * `tol`, its coefficients therefore agree with scikit-learn's to scikit-learn's own distance from the
 * optimum (around 1e-5 on a few thousand standardised rows), and with the exact optimum much more closely.
 */
export function trainLogistic(
  X: Matrix,
  y: BinaryTarget,
  options: TrainLogisticOptions = {},
): TrainLogisticResult {
  const { maxIter = 100, ...trainerOptions } = options;
  if (!Number.isInteger(maxIter) || maxIter < 0) {
    throw new RangeError(`trainLogistic: maxIter is ${maxIter}; it must be a whole number`);
  }

  const trainer = new LogisticTrainer(X, y, trainerOptions);
  const progress = trainer.step(maxIter);
  return { model: trainer.model(), ...progress };
}
