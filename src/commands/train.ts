import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { familiesFlag, familiesOf, seedFlag, storeFlags, threadsFlag } from '../cli/flags.js';
import { fixed, renderTable } from '../cli/table.js';
import { openBackends } from '../core/pipeline/backends.js';
import { loadSplits, readManifest } from '../core/pipeline/split.js';
import { trainModels, type TrainResult } from '../core/pipeline/train.js';

export default class Train extends BaseCommand {
  static summary = 'Train the model families on the processed split, optionally with hyperparameter search.';

  static description = `Reads processed/initial_{train,validation,test}.csv from the store, fits the preprocessor on
train, and trains each family (logistic, random-forest, xgboost). With --hpo, each family gets --trials trials
proposed by a TPE sampler and stopped early by ASHA, whose resource is real: boosting rounds for xgboost, trees for
random-forest, optimiser iterations for logistic. Every trial is a run in the experiment HealthPredict_Training,
nested under one parent run; the best run of each family is tagged best_hpo_model=True and carries the model
artifact. Ctrl-C marks every run under way KILLED.`;

  static examples = [
    '<%= config.bin %> train',
    '<%= config.bin %> train --hpo --trials 20 --seed 7',
    '<%= config.bin %> train --hpo --family xgboost --json',
  ];

  static flags = {
    hpo: Flags.boolean({ description: 'Search hyperparameters (TPE sampler, ASHA early stopping).' }),
    trials: Flags.integer({
      min: 1,
      description: 'Trials per family with --hpo [env: HEALTHPREDICT_HPO_TRIALS; default 20].',
    }),
    concurrency: Flags.integer({ min: 1, default: 2, description: 'Trials trained at the same time.' }),
    ...familiesFlag,
    ...seedFlag,
    ...threadsFlag,
    ...storeFlags,
  };

  async run(): Promise<TrainResult> {
    const { flags } = await this.parse(Train);
    const { values } = this.resolveConfig(
      {
        store: flags.store,
        trackingUri: flags['tracking-uri'],
        seed: flags.seed,
        threads: flags.threads,
        hpoTrials: flags.trials,
      },
      flags.config,
    );
    const { store, tracking } = openBackends(values);
    const manifest = await readManifest(store);
    const result = await trainModels({
      tracking,
      splits: await loadSplits(store),
      families: familiesOf(flags.family),
      hpo: flags.hpo,
      trials: values.hpoTrials,
      seed: values.seed,
      threads: values.threads,
      concurrency: flags.concurrency,
      target: manifest.params.target,
      signal: this.abort.signal,
    });

    this.log(
      renderTable(
        ['family', 'best run', 'trial', 'val AUC', 'test AUC', 'trials', 'stopped early'],
        result.families.map((f) => [
          f.family,
          f.bestRunId,
          f.bestTrial,
          fixed(f.valRocAuc),
          fixed(f.testRocAuc),
          f.trials.length,
          f.trials.filter((t) => t.status === 'stopped').length,
        ]),
      ),
    );
    this.log(
      `parent run ${result.parentRunId} in ${tracking.uri} (${(result.durationMs / 1000).toFixed(1)} s)`,
    );
    return result;
  }
}
