import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { floatFlag, seedFlag, storeFlags, storeSettings } from '../cli/flags.js';
import { fixed, renderTable } from '../cli/table.js';
import { STATTESTS, type StatTestName } from '../core/drift/index.js';
import { EXIT_CODES, OutcomeExit, UserError } from '../core/errors/index.js';
import { openBackends } from '../core/pipeline/backends.js';
import { monitorBatch, type MonitorResult } from '../core/pipeline/monitor.js';
import { readCapturedTable } from '../core/serving/capture-reader.js';
import { paragraphs } from '../cli/text.js';

/** A point in time given as ISO 8601 (`2024-05-01`, `2024-05-01T12:00:00Z`). */
const dateFlag = Flags.custom<Date>({
  async parse(input) {
    const date = new Date(input);
    if (Number.isNaN(date.getTime())) throw new Error(`expected an ISO 8601 time, got "${input}"`);
    return date;
  },
});

export default class Monitor extends BaseCommand {
  protected readonly stopAtOnce = true;

  static summary = "Compare a batch of future data with the champion's reference sample and decide drift.";

  static description =
    paragraphs(`The reference is the sample of training rows stored with the champion (HealthPredict@champion),
so it moves when the champion moves. Each model input is tested as Evidently does by default: with a reference of
1,000 rows or fewer, KS for numbers, chi-squared for categories and a z-test for binary ones (drift at p < 0.05);
with a larger one, the Wasserstein distance normed by the reference's standard deviation for numbers and the
Jensen-Shannon distance for categories (drift at >= 0.1); --stattest forces one test. Dataset drift is declared
when the share of drifted inputs reaches --drift-share. When the batch has labels, the champion's AUC on it is
compared with its test AUC. Writes drift/batch_NN/report.{json,html} to the store and a run to the experiment
HealthPredict_Drift_Monitoring. With --exit-code the command exits ${EXIT_CODES.drift} when dataset drift is found, so
that an Airflow BashOperator can skip downstream work (skip_on_exit_code=${EXIT_CODES.drift}). With --capture-from
(and --capture-to) the current data are the records \`serve --capture\` scored in that window instead of a batch;
the report is then labelled batch 0 unless --batch names it.`);

  static examples = [
    '<%= config.bin %> monitor --batch 1',
    '<%= config.bin %> monitor --batch 3 --calibrate 50 --json',
    '<%= config.bin %> monitor --batch 2 --stattest ks --exit-code',
    '<%= config.bin %> monitor --capture-from 2024-05-01 --capture-to 2024-05-08',
  ];

  static flags = {
    batch: Flags.integer({
      description:
        'Batch number (1 to the number of batches split made); with --capture-from only the label of the report (default 0).',
    }),
    'capture-from': dateFlag({
      description:
        'Monitor the records `serve --capture` scored from this time (ISO 8601) instead of a batch.',
    }),
    'capture-to': dateFlag({
      description: 'End of the capture window, exclusive (ISO 8601; default now).',
      dependsOn: ['capture-from'],
    }),
    'drift-share': floatFlag({
      description: 'Share of drifted inputs that makes dataset drift [default 0.5].',
      min: 0,
      max: 1,
    }),
    stattest: Flags.string({
      options: [...STATTESTS],
      description: 'Force one test on every input it can test (ks and wasserstein: numeric inputs only).',
    }),
    'stattest-threshold': floatFlag({
      description: 'Threshold for the forced test (p-value or distance).',
      min: 0,
      dependsOn: ['stattest'],
    }),
    calibrate: Flags.integer({
      min: 0,
      default: 0,
      description: 'Bootstrap iterations of reference-vs-reference noise.',
    }),
    'max-auc-drop': floatFlag({
      description: 'AUC drop against the test AUC that counts as concept drift [default 0.02].',
      min: 0,
      max: 1,
    }),
    'exit-code': Flags.boolean({ description: `Exit ${EXIT_CODES.drift} when dataset drift is detected.` }),
    ...seedFlag,
    ...storeFlags,
  };

  async run(): Promise<MonitorResult> {
    const { flags } = await this.parse(Monitor);
    const { values } = this.resolveConfig(
      {
        ...storeSettings(flags),
        seed: flags.seed,
        driftShare: flags['drift-share'],
        maxAucDrop: flags['max-auc-drop'],
      },
      flags.config,
    );
    const from = flags['capture-from'];
    if (flags.batch === undefined && !from) {
      // Worded as oclif words a missing required flag, which --batch is unless --capture-from is given.
      throw new UserError('Missing required flag batch', 'run `healthpredict monitor --help` for its flags');
    }
    const backends = openBackends(values);
    const result = await monitorBatch({
      ...backends,
      batch: flags.batch ?? 0,
      current:
        from && (await readCapturedTable(backends.store, { from, to: flags['capture-to'] ?? new Date() })),
      driftShare: values.driftShare,
      stattest: flags.stattest as StatTestName | undefined,
      stattestThreshold: flags['stattest-threshold'],
      calibrate: flags.calibrate,
      maxAucDrop: values.maxAucDrop,
      seed: values.seed,
    });

    this.log(
      renderTable(
        ['input', 'test', 'score', 'threshold', 'drifted'],
        result.columns.map((c) => [
          c.column,
          c.stattest,
          fixed(c.score),
          c.threshold,
          c.drifted ? 'yes' : 'no',
        ]),
      ),
    );
    this.log(
      `batch ${result.batch}: drift share ${result.driftShare.toFixed(3)} (${result.nDrifted}/${result.columns.length}), ` +
        `dataset drift: ${result.datasetDrift ? 'YES' : 'no'}; champion v${result.championVersion}` +
        (result.performance
          ? ` AUC ${result.performance.championAuc.toFixed(4)} (test ${result.performance.referenceAuc.toFixed(4)})`
          : ''),
    );
    if (result.noise)
      this.log(`noise alone: mean share ${result.noise.mean.toFixed(3)}, p95 ${result.noise.p95.toFixed(3)}`);
    if (flags['exit-code'] && result.datasetDrift) {
      throw new OutcomeExit(`dataset drift in batch ${result.batch}`, EXIT_CODES.drift, result);
    }
    return result;
  }
}
