/** Training labels, 0 or 1 per row. */
export type BinaryTarget = Uint8Array | Float32Array | Float64Array | readonly number[];

export interface LogisticTrainerOptions {
  /**
   * Inverse regularisation strength, as scikit-learn's `C`: the fit minimises
   * `0.5 * ||w||^2 + C * sum_i weight_i * logloss_i`, the intercept unpenalised. Default 1.0.
   */
  C?: number;
  /**
   * Converged when the largest absolute gradient component of `sum_i weight_i * logloss_i + ||w||^2 / (2C)`
   * (scikit-learn's scaling of the same objective) is at most `tol`, as scikit-learn's `tol` for lbfgs.
   * Default 1e-6.
   */
  tol?: number;
  /** `'balanced'` weighs each row by `rows / (2 * rows of its class)`, as scikit-learn. Default: all 1. */
  classWeight?: 'balanced';
  /** L-BFGS correction pairs kept. Default 10, as scikit-learn (scipy's `maxcor`). */
  memory?: number;
  /**
   * Called after every iteration with the iteration count so far and the loss: the objective divided by the
   * sum of the row weights, a regularised mean log-loss that is comparable across data sizes. Returning
   * `'stop'` ends the current `step` or training with status `'stopped'`.
   */
  onIteration?: (iteration: number, loss: number) => void | 'stop';
}

export interface TrainLogisticOptions extends LogisticTrainerOptions {
  /** Most L-BFGS iterations, as scikit-learn's `max_iter`. Default 100. */
  maxIter?: number;
}

/**
 * Why optimisation rests:
 * - `converged`: the gradient test of `tol` holds;
 * - `stalled`: no step lowers the objective any more in floating point, before the gradient reached `tol`;
 * - `iteration-limit`: the iterations asked for ran out;
 * - `stopped`: `onIteration` returned `'stop'`.
 */
export type LogisticStatus = 'converged' | 'stalled' | 'iteration-limit' | 'stopped';

export interface LogisticProgress {
  status: LogisticStatus;
  /** Iterations run in all, over every `step`. */
  iterations: number;
  /** Regularised mean log-loss, as reported to `onIteration`. */
  loss: number;
  /** The quantity that `tol` bounds. */
  gradientMaxAbs: number;
}
