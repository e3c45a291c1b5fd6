import type { Matrix } from '../types.js';
import { checkFeatures } from './check-features.js';
import { sampleWeights } from './class-weights.js';
import { hessianPreconditioner } from './hessian-preconditioner.js';
import { Lbfgs } from './lbfgs.js';
import { logisticObjective, type LogisticProblem } from './logistic-objective.js';
import type { LogisticModel } from './logistic-model.js';
import { multiplyLower, solveLower, solveTransposed } from './triangular.js';
import type { BinaryTarget, LogisticProgress, LogisticStatus, LogisticTrainerOptions } from './types.js';

/**
 * L2-regularised logistic regression fitted by L-BFGS, in steps of whole iterations: early stopping uses
 * iterations as the resource, and `step` goes on where the last one ended with the L-BFGS memory intact, so
 * a trial trained to 5 then to 15 iterations ends exactly where one trained to 15 at once does.
 *
 * L-BFGS runs in coordinates preconditioned by the Hessian at the start (see `hessianPreconditioner`), so
 * a fit typically converges in 10 to 30 iterations; the model, the loss and the gradient test of `tol` are
 * in the original coordinates, as scikit-learn's. Optimisation starts from all-zero weights, as
 * scikit-learn's. The trainer reads the matrix's Float32Array in place (it does not copy it); do not change
 * it meanwhile.
 */
export class LogisticTrainer {
  private readonly problem: LogisticProblem;
  private readonly factor: Float64Array;
  private readonly optimiser: Lbfgs;
  private readonly tol: number;
  private readonly totalWeight: number;
  private readonly onIteration: LogisticTrainerOptions['onIteration'];
  private readonly params: Float64Array;
  private readonly modelGradient: Float64Array;
  private status: LogisticStatus = 'iteration-limit';

  constructor(X: Matrix, y: BinaryTarget, options: LogisticTrainerOptions = {}) {
    const { C = 1.0, tol = 1e-6, classWeight, memory = 10, onIteration } = options;
    checkOptions(C, tol, classWeight, memory);
    checkFeatures('LogisticTrainer', X);
    const labels = checkTarget(y, X.rows);

    const weights = sampleWeights(labels, classWeight);
    this.problem = { data: X.data, rows: X.rows, cols: X.cols, labels, weights, l2: 1 / C };
    this.factor = hessianPreconditioner(this.problem);
    this.totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
    this.tol = tol;
    this.onIteration = onIteration;
    this.params = new Float64Array(X.cols + 1);
    this.modelGradient = new Float64Array(X.cols + 1);

    const objective = (u: Float64Array, gradient: Float64Array): number => {
      solveTransposed(this.factor, u, this.params);
      const value = logisticObjective(this.problem, this.params, gradient);
      solveLower(this.factor, gradient);
      return value;
    };
    this.optimiser = new Lbfgs(objective, new Float64Array(X.cols + 1), { memory });
    if (this.gradientMaxAbs() <= tol) this.status = 'converged';
  }

  get iterations(): number {
    return this.optimiser.iterations;
  }

  /**
   * Runs up to `iterations` more L-BFGS iterations, fewer when the fit converges, stalls or is stopped. Once
   * converged or stalled, further steps do nothing.
   */
  step(iterations: number): LogisticProgress {
    if (!Number.isInteger(iterations) || iterations < 0) {
      throw new RangeError(`LogisticTrainer.step: iterations is ${iterations}; it must be a whole number`);
    }
    if (this.status === 'converged' || this.status === 'stalled') return this.progress();

    this.status = 'iteration-limit';
    for (let done = 0; done < iterations; done++) {
      if (!this.optimiser.iterate()) {
        this.status = 'stalled';
        break;
      }
      if (this.gradientMaxAbs() <= this.tol) this.status = 'converged';
      if (
        this.onIteration?.(this.optimiser.iterations, this.loss()) === 'stop' &&
        this.status !== 'converged'
      ) {
        this.status = 'stopped';
      }
      if (this.status !== 'iteration-limit') break;
    }
    return this.progress();
  }

  progress(): LogisticProgress {
    return {
      status: this.status,
      iterations: this.optimiser.iterations,
      loss: this.loss(),
      gradientMaxAbs: this.gradientMaxAbs(),
    };
  }

  /** A snapshot of the current weights; later steps do not change it. */
  model(): LogisticModel {
    const params = new Float64Array(this.problem.cols + 1);
    solveTransposed(this.factor, this.optimiser.x, params);
    return {
      family: 'logistic',
      coefficients: Array.from(params.subarray(0, this.problem.cols)),
      intercept: params[this.problem.cols],
    };
  }

  private loss(): number {
    return this.optimiser.value / this.totalWeight;
  }

  /** The largest absolute component of the gradient in (w, b), the quantity `tol` bounds. */
  private gradientMaxAbs(): number {
    this.modelGradient.set(this.optimiser.gradient);
    multiplyLower(this.factor, this.modelGradient);
    let max = 0;
    for (let k = 0; k < this.modelGradient.length; k++) max = Math.max(max, Math.abs(this.modelGradient[k]));
    return max;
  }
}

function checkOptions(C: number, tol: number, classWeight: unknown, memory: number): void {
  if (!(typeof C === 'number' && C > 0 && Number.isFinite(C))) {
    throw new RangeError(`logistic regression: C is ${C}; it must be a positive number`);
  }
  if (!(typeof tol === 'number' && tol >= 0 && Number.isFinite(tol))) {
    throw new RangeError(`logistic regression: tol is ${tol}; it must be a number of at least 0`);
  }
  if (classWeight !== undefined && classWeight !== 'balanced') {
    throw new RangeError(
      `logistic regression: classWeight is ${String(classWeight)}; use 'balanced' or leave it out`,
    );
  }
  if (!(Number.isInteger(memory) && memory >= 1)) {
    throw new RangeError(`logistic regression: memory is ${memory}; it must be a whole number of at least 1`);
  }
}

/** Labels as 0/1 bytes, one per matrix row, with both classes present. */
function checkTarget(y: BinaryTarget, rows: number): Uint8Array {
  const isArray =
    Array.isArray(y) || y instanceof Uint8Array || y instanceof Float32Array || y instanceof Float64Array;
  if (!isArray)
    throw new TypeError('logistic regression: y must be a Uint8Array, Float32Array or array of numbers');
  if (y.length !== rows)
    throw new RangeError(`logistic regression: X has ${rows} rows but y has ${y.length} labels`);

  const labels = new Uint8Array(rows);
  let positives = 0;
  for (let i = 0; i < rows; i++) {
    const label = y[i];
    if (label !== 0 && label !== 1)
      throw new RangeError(`logistic regression: y[${i}] is ${label}; labels must be 0 or 1`);
    labels[i] = label;
    positives += label;
  }
  if (positives === 0 || positives === rows) {
    throw new RangeError(
      `logistic regression: all ${rows} labels are ${positives === 0 ? 0 : 1}; it needs both classes`,
    );
  }
  return labels;
}
