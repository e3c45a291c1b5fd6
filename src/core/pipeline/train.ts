import { chooseThreshold, evaluateBinary } from '../evaluation/index.js';
import { toCsv } from '../data/write.js';
import { TARGET_COLUMN } from '../data/contract.js';
import type { Table } from '../data/table.js';
import { throwIfAborted } from '../errors/index.js';
import { artifactFiles, ARTIFACT_PATH, type ModelArtifact } from '../models/artifact.js';
import type { FamilyDefinition, FamilyTrainer } from '../models/family.js';
import { familyDefinition } from '../models/families.js';
import type { ModelFamily } from '../models/types.js';
import { OpenRuns, statusFor } from '../tracking/open-runs.js';
import type { MetricPoint, TrackingStore } from '../tracking/types.js';
import { AshaScheduler, type TrialState } from '../tuning/asha.js';
import type { Params } from '../tuning/space.js';
import { proposeTpe } from '../tuning/tpe.js';
import { info } from '../util/log.js';
import { Random } from '../util/random.js';
import { prepareTrainingData, type PreparedData, type TrainingSplits } from './prepared-data.js';

export const TRAINING_EXPERIMENT = 'HealthPredict_Training';

export interface TrainOptions {
  tracking: TrackingStore;
  splits: TrainingSplits;
  families: readonly ModelFamily[];
  /** Search hyperparameters (TPE proposals, ASHA early stopping); otherwise one fit per family. */
  hpo: boolean;
  /** Trials per family with `hpo`. */
  trials: number;
  seed: number;
  /** Native threads in all; each of the `concurrency` trials under way gets its share. */
  threads: number;
  /** Trials trained at once (default 2). */
  concurrency?: number;
  /** Fixed parameters per family instead of the defaults, when `hpo` is off (retraining). */
  params?: Partial<Record<ModelFamily, Params>>;
  target: string;
  runName?: string;
  /** Rows of training data kept as the drift reference (default 5,000). */
  referenceSize?: number;
  tags?: Record<string, string>;
  signal?: AbortSignal;
  /** Makes each trial's trainer elsewhere (Kubernetes Jobs); default: in this process. */
  createTrainer?: (request: TrainerRequest) => FamilyTrainer;
}

/** One trial, as an executor other than this process needs it. */
export interface TrainerRequest {
  family: ModelFamily;
  runId: string;
  trial: number;
  params: Params;
  seed: number;
  threads: number;
}

export interface TrialSummary {
  trial: number;
  runId: string;
  params: Params;
  rung: number;
  resource: number;
  valRocAuc: number;
  status: 'completed' | 'stopped';
}

export interface FamilyResult {
  family: ModelFamily;
  bestRunId: string;
  bestTrial: number;
  params: Params;
  resource: number;
  valRocAuc: number;
  testRocAuc: number;
  threshold: number;
  trials: TrialSummary[];
}

export interface TrainResult {
  experimentId: string;
  parentRunId: string;
  runName: string;
  durationMs: number;
  preprocessorHash: string;
  families: FamilyResult[];
}

/** Trains every family, each trial a run nested under one parent run, and tags the best run of each family. */
export async function trainModels(options: TrainOptions): Promise<TrainResult> {
  const started = Date.now();
  const { tracking } = options;
  const data = prepareTrainingData(options.splits);
  const experiment = await tracking.getOrCreateExperiment(TRAINING_EXPERIMENT);
  const runName = options.runName ?? `${options.hpo ? 'hpo' : 'train'}-${new Date(started).toISOString()}`;
  const openRuns = new OpenRuns(tracking);

  const parent = await tracking.createRun({
    experimentId: experiment.experimentId,
    runName,
    tags: { ...options.tags, 'healthpredict.kind': options.hpo ? 'hpo' : 'train' },
  });
  openRuns.add(parent.info.runId);

  try {
    await tracking.logBatch(parent.info.runId, { params: parentParams(options, data) });
    const families: FamilyResult[] = [];
    for (const [index, family] of options.families.entries()) {
      const context = {
        options,
        data,
        parentRunId: parent.info.runId,
        experimentId: experiment.experimentId,
        openRuns,
      };
      families.push(await searchFamily(familyDefinition(family), index, context));
    }
    await tracking.logBatch(parent.info.runId, parentSummary(families));
    await openRuns.end(parent.info.runId, 'FINISHED');
    return {
      experimentId: experiment.experimentId,
      parentRunId: parent.info.runId,
      runName,
      durationMs: Date.now() - started,
      preprocessorHash: data.preprocessor.hash,
      families,
    };
  } catch (error) {
    await openRuns.endAll(statusFor(error));
    throw error;
  }
}

interface SearchContext {
  options: TrainOptions;
  data: PreparedData;
  parentRunId: string;
  experimentId: string;
  openRuns: OpenRuns;
}

interface LiveTrial {
  runId: string;
  trainer: FamilyTrainer;
  resource: number;
  threshold: number;
  metrics: Record<string, number>;
}

async function searchFamily(
  definition: FamilyDefinition,
  familyIndex: number,
  context: SearchContext,
): Promise<FamilyResult> {
  const { options, data } = context;
  const { tracking } = options;
  const concurrency = options.concurrency ?? 2;
  const random = new Random(options.seed).fork(familyIndex);
  const fixed = { ...definition.defaults, ...options.params?.[definition.family] };
  const scheduler = new AshaScheduler(
    {
      minResource: options.hpo ? definition.minResource : definition.maxResource,
      maxResource: definition.maxResource,
      trials: options.hpo ? options.trials : 1,
      concurrency,
    },
    (settled: readonly TrialState[]) =>
      options.hpo
        ? proposeTpe(
            definition.space,
            settled.map((t) => ({ params: t.params, score: t.scores[0] })),
            random,
          )
        : fixed,
  );
  const live = new Map<number, LiveTrial>();
  const threads = Math.max(1, Math.floor(options.threads / concurrency));
  const tag = `[${definition.family}]`;
  info(
    `${tag} ${scheduler.rungs.length} rung(s) of ${scheduler.rungs.join(', ')} ${definition.resourceName}`,
  );

  try {
    for (let wave = scheduler.nextWave(); wave.length > 0; wave = scheduler.nextWave()) {
      throwIfAborted(options.signal);
      for (const job of wave.filter((j) => j.start)) {
        const trial = scheduler.trials[job.trialId];
        live.set(job.trialId, await startTrial(definition, trial, context, threads));
      }
      await Promise.all(
        wave.map((job) => (live.get(job.trialId) as LiveTrial).trainer.advanceTo(job.resource)),
      );
      throwIfAborted(options.signal);

      for (const job of wave) {
        const trial = live.get(job.trialId) as LiveTrial;
        trial.resource = job.resource;
        const metrics = scoreTrial(trial, data);
        scheduler.report(job.trialId, job.rung, metrics.val_roc_auc);
        await tracking.logBatch(trial.runId, {
          metrics: metricPoints(metrics, job.resource),
          tags: { rung: String(job.rung), resource: String(job.resource) },
        });
        info(
          `${tag} trial ${job.trialId} rung ${job.rung} (${job.resource} ${definition.resourceName}): ` +
            `val AUC ${metrics.val_roc_auc.toFixed(4)}`,
        );
      }
    }
    scheduler.finish();
    return await closeSearch(definition, scheduler, live, context);
  } finally {
    for (const trial of live.values()) trial.trainer.dispose();
  }
}

async function startTrial(
  definition: FamilyDefinition,
  trial: TrialState,
  context: SearchContext,
  threads: number,
): Promise<LiveTrial> {
  const { options, data } = context;
  const run = await options.tracking.createRun({
    experimentId: context.experimentId,
    runName: `${definition.family}-trial-${String(trial.id).padStart(2, '0')}`,
    parentRunId: context.parentRunId,
    tags: {
      model_family: definition.family,
      resource_name: definition.resourceName,
      trial: String(trial.id),
    },
  });
  context.openRuns.add(run.info.runId);
  await options.tracking.logBatch(run.info.runId, { params: trial.params });
  const seed = (options.seed * 1009 + trial.id) >>> 0;
  const trainer = options.createTrainer
    ? options.createTrainer({
        family: definition.family,
        runId: run.info.runId,
        trial: trial.id,
        params: trial.params,
        seed,
        threads,
      })
    : definition.create(data.train.matrix, data.train.labels, trial.params, { seed, threads });
  return { runId: run.info.runId, trainer, resource: 0, threshold: 0.5, metrics: {} };
}

/** Scores validation and test at the trial's current size; the threshold maximises F1 on validation. */
function scoreTrial(trial: LiveTrial, data: PreparedData): Record<string, number> {
  const validationScores = trial.trainer.predict(data.validation.matrix);
  const testScores = trial.trainer.predict(data.test.matrix);
  const threshold = chooseThreshold(data.validation.classes, validationScores).threshold;
  const validation = evaluateBinary(data.validation.classes, validationScores, threshold);
  const test = evaluateBinary(data.test.classes, testScores, threshold);
  trial.threshold = threshold;
  trial.metrics = {
    val_roc_auc: validation.rocAuc,
    val_pr_auc: validation.prAuc,
    val_log_loss: validation.logLoss,
    val_brier: validation.brier,
    val_f1: validation.f1,
    val_precision: validation.precision,
    val_recall: validation.recall,
    test_roc_auc: test.rocAuc,
    test_pr_auc: test.prAuc,
    test_f1: test.f1,
    threshold,
  };
  return trial.metrics;
}

async function closeSearch(
  definition: FamilyDefinition,
  scheduler: AshaScheduler,
  live: Map<number, LiveTrial>,
  context: SearchContext,
): Promise<FamilyResult> {
  const { tracking } = context.options;
  const top = scheduler.rungs.length - 1;
  const summaries: TrialSummary[] = [];
  for (const trial of scheduler.trials) {
    const state = live.get(trial.id) as LiveTrial;
    const stopped = trial.status === 'stopped';
    await tracking.setTag(state.runId, 'stopped_early', stopped ? 'True' : 'False');
    await context.openRuns.end(state.runId, 'FINISHED');
    summaries.push({
      trial: trial.id,
      runId: state.runId,
      params: trial.params,
      rung: trial.scores.length - 1,
      resource: state.resource,
      valRocAuc: state.metrics.val_roc_auc,
      status: stopped ? 'stopped' : 'completed',
    });
  }

  const best = summaries
    .filter((s) => s.rung === top)
    .sort((a, b) => b.valRocAuc - a.valRocAuc || a.trial - b.trial)[0];
  const bestState = live.get(best.trial) as LiveTrial;
  // The tag comes after the whole model is uploaded: a run tagged best always has a complete model.
  await logModel(definition, bestState, best.params, context);
  await tracking.setTag(best.runId, 'best_hpo_model', 'True');
  const stoppedCount = summaries.filter((s) => s.status === 'stopped').length;
  info(
    `[${definition.family}] best trial ${best.trial}: val AUC ${best.valRocAuc.toFixed(4)}, ` +
      `test AUC ${bestState.metrics.test_roc_auc.toFixed(4)}; ${stoppedCount} of ${summaries.length} stopped early`,
  );
  return {
    family: definition.family,
    bestRunId: best.runId,
    bestTrial: best.trial,
    params: best.params,
    resource: bestState.resource,
    valRocAuc: best.valRocAuc,
    testRocAuc: bestState.metrics.test_roc_auc,
    threshold: bestState.threshold,
    trials: summaries,
  };
}

async function logModel(
  definition: FamilyDefinition,
  trial: LiveTrial,
  params: Params,
  context: SearchContext,
): Promise<void> {
  const { options, data } = context;
  const artifact: ModelArtifact = {
    descriptor: {
      format: 'healthpredict-model/1',
      family: definition.family,
      params,
      resource: trial.resource,
      resourceName: definition.resourceName,
      threshold: trial.threshold,
      target: options.target,
      weightsFile: 'weights.json',
      preprocessorFile: 'preprocessor.json',
      referenceFile: 'reference.csv',
    },
    weights: trial.trainer.weights(),
    preprocessor: data.preprocessor,
    metrics: trial.metrics,
    inputExample: inputExample(data.validation.table),
    referenceCsv: toCsv(referenceSample(data.train.table, options.referenceSize ?? 5000, options.seed)),
  };
  const files = artifactFiles(artifact, { runId: trial.runId, createdAt: new Date() });
  for (const [name, content] of Object.entries(files)) {
    await options.tracking.logArtifact(trial.runId, `${ARTIFACT_PATH}/${name}`, content);
  }
}

/** A seeded sample of training rows, in file order, kept with the model as the drift reference. */
export function referenceSample(table: Table, size: number, seed: number): Table {
  if (table.rows.length <= size) return table;
  const indices = new Random(seed)
    .shuffle(table.rows.map((_, i) => i))
    .slice(0, size)
    .sort((a, b) => a - b);
  return { columns: table.columns, rows: indices.map((i) => table.rows[i]), source: table.source };
}

function inputExample(table: Table): Record<string, string>[] {
  return table.rows.slice(0, 2).map((row) => {
    const record: Record<string, string> = {};
    table.columns.forEach((name, i) => {
      if (name !== TARGET_COLUMN && name !== 'readmitted') record[name] = row[i];
    });
    return record;
  });
}

function metricPoints(metrics: Record<string, number>, step: number): MetricPoint[] {
  const timestamp = Date.now();
  return Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step }));
}

function parentParams(options: TrainOptions, data: PreparedData): Params {
  return {
    families: options.families.join(','),
    hpo: String(options.hpo),
    budget_trials_per_family: options.hpo ? options.trials : 1,
    sampler: options.hpo ? 'tpe' : 'none',
    scheduler: options.hpo ? 'asha' : 'none',
    reduction_factor: 3,
    concurrency: options.concurrency ?? 2,
    seed: options.seed,
    target: options.target,
    train_rows: data.train.matrix.rows,
    validation_rows: data.validation.matrix.rows,
    test_rows: data.test.matrix.rows,
    n_features: data.train.matrix.cols,
    preprocessor_hash: data.preprocessor.hash,
  };
}

function parentSummary(families: FamilyResult[]): {
  metrics: MetricPoint[];
  tags: Record<string, string>;
  params: Params;
} {
  const timestamp = Date.now();
  const tags: Record<string, string> = {};
  const params: Params = {};
  const metrics: MetricPoint[] = [];
  for (const result of families) {
    tags[`best_run_id.${result.family}`] = result.bestRunId;
    tags[`best_trial.${result.family}`] = String(result.bestTrial);
    for (const [name, value] of Object.entries(result.params))
      params[`best.${result.family}.${name}`] = value;
    metrics.push({ key: `best_val_roc_auc.${result.family}`, value: result.valRocAuc, timestamp, step: 0 });
    metrics.push({ key: `best_test_roc_auc.${result.family}`, value: result.testRocAuc, timestamp, step: 0 });
  }
  return { metrics, tags, params };
}
