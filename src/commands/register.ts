import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { floatFlag, storeFlags, storeSettings } from '../cli/flags.js';
import { fixed, renderTable } from '../cli/table.js';
import { EXIT_CODES, OutcomeExit } from '../core/errors/index.js';
import { openBackends } from '../core/pipeline/backends.js';
import { registerModels, type RegisterResult } from '../core/pipeline/register.js';
import { loadEvaluationSet } from '../core/pipeline/split.js';
import { paragraphs } from '../cli/text.js';

export default class Register extends BaseCommand {
  static summary = 'Register the best run of each family and promote the best one through the quality gate.';

  static description =
    paragraphs(`Candidates are the runs tagged best_hpo_model=True of one training invocation (by default the
latest one), never the best of all history. Each is registered as a version of HealthPredict_<Family>; the best
of them also becomes a version of HealthPredict. The quality gate scores challenger and champion on the same rows
(processed/initial_test.csv unless --evaluation names another store key), each with its own preprocessor, and
promotes only if challenger AUC >= champion AUC - --max-auc-drop: the alias champion moves and the version goes to
stage Production (the previous one is archived). A challenger that fails the gate stays registered, is not
promoted, and the command exits with code ${EXIT_CODES.gateRejected}.`);

  static examples = [
    '<%= config.bin %> register',
    '<%= config.bin %> register --max-auc-drop 0.01 --json',
    '<%= config.bin %> register --parent-run-id 3f2a... --evaluation processed/batches/batch_01.csv',
  ];

  static flags = {
    'parent-run-id': Flags.string({
      description: 'The training invocation (parent run) to take candidates from.',
    }),
    'max-auc-drop': floatFlag({
      description:
        'Largest AUC drop against the champion that still promotes [env: HEALTHPREDICT_MAX_AUC_DROP; default 0.02].',
      min: 0,
      max: 1,
    }),
    evaluation: Flags.string({
      default: 'processed/initial_test.csv',
      description: 'Store key of the rows the gate scores.',
    }),
    ...storeFlags,
  };

  async run(): Promise<RegisterResult> {
    const { flags } = await this.parse(Register);
    const { values } = this.resolveConfig(
      {
        ...storeSettings(flags),
        maxAucDrop: flags['max-auc-drop'],
      },
      flags.config,
    );
    const { store, tracking, registry } = openBackends(values);
    const result = await registerModels({
      tracking,
      registry,
      parentRunId: flags['parent-run-id'],
      evaluation: await loadEvaluationSet(store, flags.evaluation),
      maxAucDrop: values.maxAucDrop,
    });

    this.log(
      renderTable(
        ['registered model', 'version', 'family', 'run', 'val AUC'],
        [
          ...result.familyVersions.map((v) => [v.name, v.version, v.family, v.runId, fixed(v.valRocAuc)]),
          [
            result.challenger.name,
            result.challenger.version,
            result.challenger.family,
            result.challenger.runId,
            null,
          ],
        ],
      ),
    );
    this.log(`candidates from the training run ${result.parentRunId}`);
    this.log(`${result.gate.promoted ? 'promoted' : 'NOT promoted'}: ${result.gate.reason}`);
    this.log(`champion: HealthPredict version ${result.championVersion}`);
    if (!result.gate.promoted) {
      throw new OutcomeExit(
        `the quality gate refused promotion: ${result.gate.reason}`,
        EXIT_CODES.gateRejected,
        result,
      );
    }
    return result;
  }
}
