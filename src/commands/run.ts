import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import {
  familiesFlag,
  familiesOf,
  floatFlag,
  seedFlag,
  storeFlags,
  threadsFlag,
  storeSettings,
} from '../cli/flags.js';
import { fixed, renderTable } from '../cli/table.js';
import { openBackends } from '../core/pipeline/backends.js';
import { runMainJob, type RunResult } from '../core/pipeline/run.js';
import { dataFlags, splitOptionsFrom } from '../cli/data-flags.js';
import { paragraphs } from '../cli/text.js';

export default class Run extends BaseCommand {
  static summary =
    'Run the whole main job: split, train with HPO, register, then monitor and retrain batch by batch.';

  static description =
    paragraphs(`On the embedded defaults (a store directory, an MLflow FileStore in ./mlruns, no server), takes the
raw data to a champion model and through every future batch: split; train the three families with TPE and ASHA;
register behind the quality gate; for each batch, monitor drift against the champion's reference and its AUC on the
batch, and on dataset drift or a performance drop retrain on the data seen so far, gate and promote; finally draw
the charts and the HTML page. Ends with a summary table per batch. Without --data, the UCI archive is downloaded
once into the cache directory.`);

  static examples = [
    '<%= config.bin %> run',
    '<%= config.bin %> run --data ./diabetic_data.csv.gz',
    '<%= config.bin %> run --data diabetic_data.csv.gz --trials 20 --drift-scenario population --json',
  ];

  static flags = {
    ...dataFlags,
    trials: Flags.integer({
      min: 1,
      description: 'Trials per family [env: HEALTHPREDICT_HPO_TRIALS; default 20].',
    }),
    'max-auc-drop': floatFlag({
      description: 'Quality gate and concept drift tolerance [default 0.02].',
      min: 0,
      max: 1,
    }),
    'drift-share': floatFlag({
      description: 'Share of drifted inputs that makes dataset drift [default 0.5].',
      min: 0,
      max: 1,
    }),
    'force-retrain': Flags.boolean({ description: 'Retrain after every batch, drift or not.' }),
    ...familiesFlag,
    ...seedFlag,
    ...threadsFlag,
    ...storeFlags,
  };

  async run(): Promise<RunResult> {
    const { flags } = await this.parse(Run);
    const { values } = this.resolveConfig(
      {
        ...storeSettings(flags),
        data: flags.data,
        target: flags.target as 'any' | undefined,
        seed: flags.seed,
        threads: flags.threads,
        hpoTrials: flags.trials,
        batches: flags.batches,
        maxAucDrop: flags['max-auc-drop'],
        driftShare: flags['drift-share'],
      },
      flags.config,
    );
    const result = await runMainJob({
      ...openBackends(values),
      split: splitOptionsFrom(values, flags),
      families: familiesOf(flags.family),
      trials: values.hpoTrials,
      seed: values.seed,
      threads: values.threads,
      maxAucDrop: values.maxAucDrop,
      driftShare: values.driftShare,
      forceRetrain: flags['force-retrain'],
      signal: this.abort.signal,
    });

    this.log(
      renderTable(
        ['batch', 'rows', 'drift share', 'drift', 'retrained', 'promoted', 'champion', 'champion AUC'],
        result.batches.map((b) => [
          b.batch,
          b.rows,
          b.driftShare.toFixed(3),
          b.datasetDrift ? 'yes' : b.conceptDrift ? 'performance' : 'no',
          b.retrained ? 'yes' : 'no',
          b.promoted ? `yes (v${b.championAfter})` : 'no',
          `v${b.championVersion}`,
          fixed(b.championAuc),
        ]),
      ),
    );
    this.log(`report: ${result.report.page}  (${(result.durationMs / 1000).toFixed(1)} s in all)`);
    return result;
  }
}
