import type { Random } from '../util/random.js';
import {
  fromInternal,
  internalBounds,
  sampleUniform,
  toInternal,
  type Params,
  type SearchSpace,
} from './space.js';

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), univariate as in Optuna's default: past trials
 * are split into the best `gamma` share ("good") and the rest; each parameter gets a Parzen density over the
 * good trials, l(x), and over the rest, g(x); of `candidates` draws from l, the one with the largest
 * l(x)/g(x) is proposed. The first `startupTrials` proposals are uniform.
 */
export interface TpeOptions {
  startupTrials?: number;
  candidates?: number;
  /** Share of observations counted as good (default: 0.25). */
  gamma?: number;
}

export interface Observation {
  params: Params;
  /** Higher is better. */
  score: number;
}

export function proposeTpe(
  space: SearchSpace,
  history: readonly Observation[],
  random: Random,
  options: TpeOptions = {},
): Params {
  const startupTrials = options.startupTrials ?? 5;
  const candidates = options.candidates ?? 24;
  const gamma = options.gamma ?? 0.25;
  if (history.length < startupTrials) return sampleUniform(space, random);

  const sorted = [...history].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil(gamma * sorted.length));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);

  const params: Params = {};
  for (const [name, spec] of Object.entries(space)) {
    if (spec.type === 'choice') {
      const weightsGood = choiceWeights(
        spec.values,
        good.map((o) => o.params[name]),
      );
      const weightsBad = choiceWeights(
        spec.values,
        bad.map((o) => o.params[name]),
      );
      let best = 0;
      let bestRatio = -Infinity;
      for (let c = 0; c < candidates; c++) {
        const k = drawIndex(weightsGood, random);
        const ratio = weightsGood[k] / weightsBad[k];
        if (ratio > bestRatio) [best, bestRatio] = [k, ratio];
      }
      params[name] = spec.values[best];
      continue;
    }

    const bounds = internalBounds(spec);
    const goodPoints = good.map((o) => toInternal(spec, Number(o.params[name])));
    const badPoints = bad.map((o) => toInternal(spec, Number(o.params[name])));
    let bestValue = goodPoints[0];
    let bestRatio = -Infinity;
    for (let c = 0; c < candidates; c++) {
      const x = drawParzen(goodPoints, bounds, random);
      const ratio = parzenDensity(goodPoints, bounds, x) / parzenDensity(badPoints, bounds, x);
      if (ratio > bestRatio) [bestValue, bestRatio] = [x, ratio];
    }
    params[name] = fromInternal(spec, bestValue);
  }
  return params;
}

/** Kernel width: the spread of the points scaled by n^(-1/5) (Scott's rule), never below 1% of the range. */
function bandwidth(points: readonly number[], [low, high]: [number, number]): number {
  const range = high - low;
  if (points.length < 2) return range / 2;
  const mean = points.reduce((s, x) => s + x, 0) / points.length;
  const std = Math.sqrt(points.reduce((s, x) => s + (x - mean) ** 2, 0) / points.length);
  return Math.max(1.06 * std * points.length ** -0.2, range * 0.01, 1e-12);
}

/** The Parzen density with a uniform prior component over the whole range, so no region has density 0. */
function parzenDensity(points: readonly number[], bounds: [number, number], x: number): number {
  const range = bounds[1] - bounds[0] || 1;
  const h = bandwidth(points, bounds);
  let density = 1 / range;
  for (const p of points) density += Math.exp(-0.5 * ((x - p) / h) ** 2) / (h * Math.sqrt(2 * Math.PI));
  return density / (points.length + 1);
}

function drawParzen(points: readonly number[], bounds: [number, number], random: Random): number {
  const k = random.int(points.length + 1);
  if (k === points.length) return bounds[0] + random.next() * (bounds[1] - bounds[0]);
  const x = points[k] + bandwidth(points, bounds) * random.normal();
  return Math.min(bounds[1], Math.max(bounds[0], x));
}

function choiceWeights(values: readonly (string | number)[], seen: readonly (string | number)[]): number[] {
  const weights = values.map(() => 1);
  for (const value of seen) {
    const k = values.indexOf(value);
    if (k >= 0) weights[k] += 1;
  }
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

function drawIndex(weights: readonly number[], random: Random): number {
  let u = random.next();
  for (let k = 0; k < weights.length; k++) {
    u -= weights[k];
    if (u <= 0) return k;
  }
  return weights.length - 1;
}
