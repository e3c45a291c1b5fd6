import { Flags } from '@oclif/core';

import type { Config } from '../core/config/index.js';
import { DRIFT_SCENARIOS } from '../core/data/split.js';
import type { SplitOptions } from '../core/pipeline/split.js';

/** The flags that choose the raw data and how it is split, shared by `split` and `run`. */
export const dataFlags = {
  data: Flags.string({
    description:
      'The raw data set: a path, .gz, .zip, s3:// or https:// URL [env: HEALTHPREDICT_DATA; default: the UCI download].',
  }),
  target: Flags.string({
    options: ['any', 'within30'],
    description:
      'any: readmitted at all (default); within30: readmitted within 30 days [env: HEALTHPREDICT_TARGET].',
  }),
  shuffle: Flags.boolean({ description: 'Shuffle patients (kept whole) instead of the chronological cut.' }),
  batches: Flags.integer({
    min: 1,
    max: 99,
    description: 'Future batches [env: HEALTHPREDICT_BATCHES; default 5].',
  }),
  'drift-scenario': Flags.string({
    options: Object.keys(DRIFT_SCENARIOS),
    default: 'none',
    description: 'Inject a documented, seeded shift into later batches for simulation.',
  }),
};

export function splitOptionsFrom(
  values: Config,
  flags: { shuffle: boolean; 'drift-scenario': string },
): SplitOptions {
  return {
    source: values.data,
    cacheDir: values.cacheDir,
    s3: { endpoint: values.s3Endpoint, region: values.awsRegion },
    target: values.target,
    shuffle: flags.shuffle,
    seed: values.seed,
    batches: values.batches,
    driftScenario: flags['drift-scenario'],
  };
}
