import type { Random } from '../util/random.js';

/** One hyperparameter's domain. Log-scaled domains are sampled uniformly in log space. */
export type ParamSpec =
  | { type: 'float'; low: number; high: number; log?: boolean }
  | { type: 'int'; low: number; high: number; log?: boolean }
  | { type: 'choice'; values: readonly (string | number)[] };

export type SearchSpace = Record<string, ParamSpec>;
export type ParamValue = string | number;
export type Params = Record<string, ParamValue>;

/** Maps a numeric value into the space the sampler works in: log for log-scaled domains. */
export function toInternal(spec: ParamSpec, value: number): number {
  return spec.type !== 'choice' && spec.log ? Math.log(value) : value;
}

export function fromInternal(spec: Exclude<ParamSpec, { type: 'choice' }>, internal: number): number {
  const value = spec.log ? Math.exp(internal) : internal;
  const clipped = Math.min(spec.high, Math.max(spec.low, value));
  return spec.type === 'int' ? Math.round(clipped) : clipped;
}

export function internalBounds(spec: Exclude<ParamSpec, { type: 'choice' }>): [number, number] {
  return [toInternal(spec, spec.low), toInternal(spec, spec.high)];
}

export function sampleUniform(space: SearchSpace, random: Random): Params {
  const params: Params = {};
  for (const [name, spec] of Object.entries(space)) {
    if (spec.type === 'choice') {
      params[name] = spec.values[random.int(spec.values.length)];
      continue;
    }
    const [low, high] = internalBounds(spec);
    params[name] = fromInternal(spec, low + random.next() * (high - low));
  }
  return params;
}
