/** Writes the gradient at `x` into `gradient` and returns the value at `x`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Correction pairs kept, as scipy's `maxcor`. Default 10. */
  memory?: number;
  /** Objective evaluations allowed per line search, as scipy's `maxls`. Default 20. */
  maxLineSearch?: number;
}

/** Sufficient decrease (Armijo) and curvature constants of the Wolfe conditions. */
const DECREASE = 1e-4;
const CURVATURE = 0.9;
/** Below this relative change the objective's value is rounding noise and only its slope is trusted. */
const VALUE_NOISE = 1e-10;

/**
 * Limited-memory BFGS for smooth convex objectives, one iteration at a time so that a caller can stop,
 * look at the iterate and go on with the curvature memory intact.
 *
 * The line search accepts a step by the weak Wolfe conditions. While a step decreases the objective but
 * the slope is still steep it grows the step fourfold; once a step fails the decrease test it narrows the
 * bracket by the secant root of the slope, a quadratic model's minimum.
 *
 * Near the optimum the objective's value stops changing in floating point long before its gradient is
 * small (for a sum over thousands of rows, at a gradient around 1e-5), so a step whose value is within
 * rounding of the start also passes the decrease test when its slope shows the decrease a quadratic would
 * have (the approximate Wolfe condition of Hager and Zhang). That lets the gradient go on shrinking where a
 * value-only rule, such as scipy's `ftol`, stops.
 */
export class Lbfgs {
  /** The current iterate; read it, do not write it. */
  readonly x: Float64Array;
  /** The gradient at `x`. */
  readonly gradient: Float64Array;
  /** The objective at `x`. */
  value: number;
  iterations = 0;
  evaluations = 0;

  private readonly objective: Objective;
  private readonly maxLineSearch: number;
  private readonly steps: Float64Array[];
  private readonly changes: Float64Array[];
  private readonly rho: Float64Array;
  private readonly alpha: Float64Array;
  private stored = 0;
  private newest = -1;
  private readonly direction: Float64Array;
  private readonly trialX: Float64Array;
  private readonly trialGradient: Float64Array;
  private trialValue = Number.NaN;

  constructor(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}) {
    const { memory = 10, maxLineSearch = 20 } = options;
    const n = x0.length;
    this.objective = objective;
    this.maxLineSearch = maxLineSearch;
    this.steps = Array.from({ length: memory }, () => new Float64Array(n));
    this.changes = Array.from({ length: memory }, () => new Float64Array(n));
    this.rho = new Float64Array(memory);
    this.alpha = new Float64Array(memory);
    this.direction = new Float64Array(n);
    this.trialX = new Float64Array(n);
    this.trialGradient = new Float64Array(n);

    this.x = Float64Array.from(x0);
    this.gradient = new Float64Array(n);
    this.value = objective(this.x, this.gradient);
    this.evaluations = 1;
  }

  /** The largest absolute component of the gradient, scipy's projected-gradient test without bounds. */
  gradientMaxAbs(): number {
    let max = 0;
    for (let k = 0; k < this.gradient.length; k++) max = Math.max(max, Math.abs(this.gradient[k]));
    return max;
  }

  /**
   * One quasi-Newton step. Returns false, leaving the iterate unchanged, when no step along the search
   * direction or the steepest descent lowers the objective: the iterate is as good as floating point allows.
   */
  iterate(): boolean {
    let slope = this.stored > 0 ? this.quasiNewtonDirection() : 0;
    let step = slope < 0 ? this.lineSearch(1, slope) : 0;
    if (step === 0) {
      this.stored = 0;
      slope = this.steepestDirection();
      if (slope === 0) return false;
      step = this.lineSearch(1 / Math.sqrt(-slope), slope);
      if (step === 0) return false;
    }

    this.remember();
    this.x.set(this.trialX);
    this.gradient.set(this.trialGradient);
    this.value = this.trialValue;
    this.iterations++;
    return true;
  }

  /** d = -g; returns the slope g . d. */
  private steepestDirection(): number {
    let slope = 0;
    for (let k = 0; k < this.gradient.length; k++) {
      this.direction[k] = -this.gradient[k];
      slope -= this.gradient[k] * this.gradient[k];
    }
    return slope;
  }

  /** d = -H g by the two-loop recursion over the stored pairs; returns the slope g . d. */
  private quasiNewtonDirection(): number {
    const { direction: q, steps, changes, rho, alpha, gradient } = this;
    const memory = steps.length;
    for (let k = 0; k < q.length; k++) q[k] = -gradient[k];

    for (let back = 0, i = this.newest; back < this.stored; back++, i = (i - 1 + memory) % memory) {
      alpha[i] = rho[i] * dot(steps[i], q);
      axpy(-alpha[i], changes[i], q);
    }
    const change = changes[this.newest];
    scale(q, 1 / (rho[this.newest] * dot(change, change)));
    for (let forward = this.stored - 1; forward >= 0; forward--) {
      const i = (this.newest - forward + memory) % memory;
      axpy(alpha[i] - rho[i] * dot(changes[i], q), steps[i], q);
    }
    return dot(gradient, q);
  }

  /** Stores the pair (trial - x, trial gradient - gradient) when its curvature is positive. */
  private remember(): void {
    const memory = this.steps.length;
    const slot = (this.newest + 1) % memory;
    const s = this.steps[slot];
    const y = this.changes[slot];
    for (let k = 0; k < s.length; k++) {
      s[k] = this.trialX[k] - this.x[k];
      y[k] = this.trialGradient[k] - this.gradient[k];
    }
    const curvature = dot(s, y);
    if (!(curvature > 1e-10 * dot(y, y))) {
      // The slot held the oldest pair once memory is full; it is gone either way.
      this.stored = Math.min(this.stored, memory - 1);
      return;
    }
    this.rho[slot] = 1 / curvature;
    this.newest = slot;
    this.stored = Math.min(this.stored + 1, memory);
  }

  /** Returns the accepted step length, its point left in the trial buffers, or 0 when none was found. */
  private lineSearch(initial: number, slope0: number): number {
    const start = this.value;
    const noise = VALUE_NOISE * Math.abs(start);
    let low = 0;
    let lowSlope = slope0;
    let high = Number.POSITIVE_INFINITY;
    let highSlope = Number.NaN;
    let step = initial;

    for (let evaluation = 0; evaluation < this.maxLineSearch; evaluation++) {
      const value = this.evaluate(step);
      const slope = dot(this.trialGradient, this.direction);
      const decreased =
        value <= start + DECREASE * step * slope0 ||
        (value <= start + noise && slope <= (2 * DECREASE - 1) * slope0);
      if (decreased && slope >= CURVATURE * slope0) return step;

      if (decreased) {
        low = step;
        lowSlope = slope;
      } else {
        high = step;
        highSlope = slope;
      }
      if (high === Number.POSITIVE_INFINITY) {
        step *= 4;
      } else {
        if (high - low <= 1e-15 * high) return 0;
        step = nextStep(low, lowSlope, high, highSlope);
      }
    }
    return 0;
  }

  private evaluate(step: number): number {
    const { x, direction, trialX } = this;
    for (let k = 0; k < x.length; k++) trialX[k] = x[k] + step * direction[k];
    this.trialValue = this.objective(trialX, this.trialGradient);
    this.evaluations++;
    return this.trialValue;
  }
}

/**
 * The secant root of the slope inside the bracket when the slopes change sign, else the midpoint; kept a
 * tenth of the width away from either end.
 */
function nextStep(low: number, lowSlope: number, high: number, highSlope: number): number {
  const width = high - low;
  let step = low + width / 2;
  if (lowSlope < 0 && highSlope > 0) step = low - (lowSlope * width) / (highSlope - lowSlope);
  return Math.min(Math.max(step, low + 0.1 * width), high - 0.1 * width);
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum;
}

function axpy(factor: number, from: Float64Array, to: Float64Array): void {
  for (let k = 0; k < from.length; k++) to[k] += factor * from[k];
}

function scale(values: Float64Array, factor: number): void {
  for (let k = 0; k < values.length; k++) values[k] *= factor;
}
