import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { familiesFlag, familiesOf, seedFlag, storeFlags, threadsFlag, storeSettings } from '../cli/flags.js';
import { fixed, renderTable } from '../cli/table.js';
import { connectKubernetesTrials } from '../core/deploy/trial-settings.js';
import { runTrialJob, type TrialJobResult } from '../core/deploy/trial-jobs.js';
import { openBackends } from '../core/pipeline/backends.js';
import { loadSplits, readManifest } from '../core/pipeline/split.js';
import { trainModels, type TrainResult } from '../core/pipeline/train.js';
import { paragraphs } from '../cli/text.js';

export default class Train extends BaseCommand {
  static summary = 'Train the model families on the processed split, optionally with hyperparameter search.';

  static description =
    paragraphs(`Reads processed/initial_{train,validation,test}.csv from the store, fits the preprocessor on
train, and trains each family (logistic, random-forest, xgboost). With --hpo, each family gets --trials trials
proposed by a TPE sampler and stopped early by ASHA, whose resource is real: boosting rounds for xgboost, trees for
random-forest, optimiser iterations for logistic. Every trial is a run in the experiment HealthPredict_Training,
nested under one parent run; the best run of each family is tagged best_hpo_model=True and carries the model
artifact. Ctrl-C marks every run under way KILLED.

With --executor kubernetes, each step of a trial (train to the next rung) runs as a Kubernetes Job of --image (the
image \`healthpredict build\` makes) in --namespace, which writes the trial's weights into its run in the same
tracking store; the search, the scoring and the model of the best run stay here, and a failed Job fails the
command with its pod's log. The pods must reach the same stores: S3 and an MLflow server, or directories on a
volume (--shared-volume CLAIM:PATH) mounted at the same path here and in the pods.`);

  static examples = [
    '<%= config.bin %> train',
    '<%= config.bin %> train --hpo --trials 20 --seed 7',
    '<%= config.bin %> train --hpo --family xgboost --json',
    '<%= config.bin %> train --hpo --executor kubernetes --image 127.0.0.1:5000/healthpredict@sha256:… --shared-volume hp-data:/srv/hp',
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
    executor: Flags.string({
      options: ['local', 'kubernetes'],
      default: 'local',
      description: 'Where trials train: in this process, or as Kubernetes Jobs (with --hpo).',
    }),
    image: Flags.string({ description: 'With --executor kubernetes: the image that runs each trial.' }),
    namespace: Flags.string({
      description: 'Kubernetes namespace of the trial Jobs [env: HEALTHPREDICT_NAMESPACE].',
    }),
    context: Flags.string({ description: 'Kubeconfig context [env: HEALTHPREDICT_KUBE_CONTEXT].' }),
    'shared-volume': Flags.string({
      description:
        'PersistentVolumeClaim holding the store directories, as CLAIM:PATH, mounted in every trial pod.',
    }),
    'job-timeout': Flags.integer({ min: 1, default: 3600, description: 'Seconds one trial Job may take.' }),
    'trial-of': Flags.string({ hidden: true, description: 'Inside a trial Job: the trial run to train.' }),
    resource: Flags.integer({
      hidden: true,
      min: 1,
      description: 'Inside a trial Job: the resource to train to.',
    }),
  };

  async run(): Promise<TrainResult | TrialJobResult> {
    const { flags } = await this.parse(Train);
    const { values } = this.resolveConfig(
      {
        ...storeSettings(flags),
        seed: flags.seed,
        threads: flags.threads,
        hpoTrials: flags.trials,
        namespace: flags.namespace,
        kubeContext: flags.context,
      },
      flags.config,
    );
    const { store, tracking } = openBackends(values);
    if (flags['trial-of']) {
      const runId = flags['trial-of'];
      const trial = await runTrialJob({
        tracking,
        splits: await loadSplits(store),
        runId,
        resource: flags.resource ?? 1,
      });
      this.log(
        `trained ${trial.family} trial ${trial.trial} of run ${runId} to ${trial.resource}: ${trial.weights}`,
      );
      return trial;
    }
    const manifest = await readManifest(store);
    const executor =
      flags.executor === 'kubernetes'
        ? await connectKubernetesTrials({
            tracking,
            image: flags.image,
            namespace: values.namespace,
            kubeContext: values.kubeContext,
            store: values.store,
            trackingUri: values.trackingUri,
            sharedVolume: flags['shared-volume'],
            s3Endpoint: values.s3Endpoint,
            awsRegion: values.awsRegion,
            jobTimeoutSeconds: flags['job-timeout'],
            signal: this.abort.signal,
          })
        : undefined;
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
      createTrainer: executor?.createTrainer,
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
