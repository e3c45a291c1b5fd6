import { Flags } from '@oclif/core';

import { MODEL_FAMILIES, type ModelFamily } from '../core/models/types.js';

/** Flags shared by several commands; each maps to a configuration key of the same meaning. */
export const storeFlags = {
  store: Flags.string({
    description:
      'Object store for data, reports and charts: a directory or s3://bucket/prefix [env: HEALTHPREDICT_STORE].',
  }),
  'tracking-uri': Flags.string({
    description:
      'Tracking and registry store: an MLflow FileStore directory or an http(s):// MLflow server [env: MLFLOW_TRACKING_URI].',
  }),
  's3-endpoint': Flags.string({
    description:
      'An S3-compatible endpoint instead of AWS, addressed path-style [env: HEALTHPREDICT_S3_ENDPOINT, AWS_ENDPOINT_URL_S3].',
  }),
};

/** The configuration values that `storeFlags` set, for `resolveConfig`. */
export function storeSettings(flags: { store?: string; 's3-endpoint'?: string; 'tracking-uri'?: string }) {
  return { store: flags.store, s3Endpoint: flags['s3-endpoint'], trackingUri: flags['tracking-uri'] };
}

export const seedFlag = {
  seed: Flags.integer({ description: 'Seed for every random choice [env: HEALTHPREDICT_SEED; default 42].' }),
};

export const threadsFlag = {
  threads: Flags.integer({
    min: 1,
    description: 'Native threads for XGBoost [env: HEALTHPREDICT_THREADS; default 2].',
  }),
};

export const familiesFlag = {
  family: Flags.string({
    multiple: true,
    options: [...MODEL_FAMILIES],
    description: 'Model families to train (repeatable; default all three).',
  }),
};

export function familiesOf(given: string[] | undefined): ModelFamily[] {
  return given && given.length > 0 ? (given as ModelFamily[]) : [...MODEL_FAMILIES];
}

/** A flag holding a finite number, optionally within [min, max]. */
export function floatFlag(options: {
  description: string;
  min?: number;
  max?: number;
  dependsOn?: string[];
}) {
  return Flags.custom<number>({
    description: options.description,
    dependsOn: options.dependsOn,
    multiple: false,
    async parse(input: string) {
      const value = Number(input);
      const inRange =
        Number.isFinite(value) && value >= (options.min ?? -Infinity) && value <= (options.max ?? Infinity);
      if (input.trim() === '' || !inRange) {
        const range =
          options.min !== undefined || options.max !== undefined
            ? ` in [${options.min ?? '-inf'}, ${options.max ?? 'inf'}]`
            : '';
        throw new Error(`expected a number${range}, got "${input}"`);
      }
      return value;
    },
  })();
}
