import type { Table } from '../data/table.js';
import { throwIfAborted } from '../errors/index.js';
import { concatTables, sliceTable } from '../data/table.js';
import type { ModelFamily } from '../models/types.js';
import type { ModelRegistry } from '../registry/types.js';
import type { ObjectStore } from '../storage/index.js';
import type { TrackingStore } from '../tracking/types.js';
import type { Params } from '../tuning/space.js';
import { info } from '../util/log.js';
import { monitorBatch, type MonitorResult } from './monitor.js';
import { registerModels, type RegisterResult } from './register.js';
import { splitData, loadSplits, type SplitOptions, type SplitResult } from './split.js';
import { trainModels, type TrainResult } from './train.js';
import { DECISIONS_KEY, visualize, type BatchDecision, type VisualizeResult } from './visualize.js';

export interface RunOptions {
  store: ObjectStore;
  tracking: TrackingStore;
  registry: ModelRegistry;
  split: SplitOptions;
  families: readonly ModelFamily[];
  trials: number;
  seed: number;
  threads: number;
  maxAucDrop: number;
  driftShare: number;
  /** Retrain after every batch, drift or not. */
  forceRetrain?: boolean;
  signal?: AbortSignal;
}

export interface BatchOutcome {
  batch: number;
  rows: number;
  driftShare: number;
  datasetDrift: boolean;
  conceptDrift: boolean;
  /** The champion that monitored the batch, and its AUC on it. */
  championVersion: string;
  championAuc: number | null;
  retrained: boolean;
  /** Why it retrained: `dataset drift`, `performance drop` or `forced`; null when it did not. */
  retrainReason: string | null;
  promoted: boolean;
  /** The champion after this batch's decisions. */
  championAfter: string;
  challengerAuc: number | null;
}

export interface RunResult {
  split: SplitResult;
  training: TrainResult;
  registration: RegisterResult;
  batches: BatchOutcome[];
  report: VisualizeResult;
  durationMs: number;
}

/**
 * The main job: split, train with HPO, register behind the gate, then for each future batch monitor it and,
 * on drift or a performance drop, retrain on the data seen so far, gate and promote; finally draw it all.
 */
export async function runMainJob(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const { store, tracking, registry } = options;
  const split = await splitData(options.store, { ...options.split, signal: options.signal });
  const splits = await loadSplits(store);

  const training = await trainModels({
    tracking,
    splits,
    families: options.families,
    hpo: true,
    trials: options.trials,
    seed: options.seed,
    threads: options.threads,
    target: split.manifest.params.target,
    signal: options.signal,
  });
  const registration = await registerModels({
    tracking,
    registry,
    evaluation: splits.test,
    maxAucDrop: options.maxAucDrop,
  });
  const bestParams = Object.fromEntries(training.families.map((f) => [f.family, f.params])) as Record<
    ModelFamily,
    Params
  >;

  const batches: BatchOutcome[] = [];
  const decisions: BatchDecision[] = [];
  let seen: Table = concatTables([splits.train, splits.validation]);
  for (const [index, batch] of splits.batches.entries()) {
    throwIfAborted(options.signal);
    const number = index + 1;
    const monitored = await monitorBatch({
      store,
      tracking,
      registry,
      batch: number,
      current: batch,
      driftShare: options.driftShare,
      maxAucDrop: options.maxAucDrop,
      seed: options.seed,
    });
    seen = concatTables([seen, batch]);
    const outcome = await maybeRetrain(options, monitored, seen, splits.test, bestParams, number);
    batches.push(outcome);
    decisions.push({
      batch: number,
      retrained: outcome.retrained,
      reason: outcome.retrainReason,
      promoted: outcome.promoted,
      challengerAuc: outcome.challengerAuc,
    });
    await store.write(DECISIONS_KEY, JSON.stringify(decisions, null, 2));
  }

  const report = await visualize({ store });
  return { split, training, registration, batches, report, durationMs: Date.now() - started };
}

/**
 * Retraining uses the data seen so far, in time order: the oldest 80% to fit, the next 10% to choose the
 * threshold and report validation metrics, and the newest 10% as the rows the gate scores both models on.
 * Each family keeps the parameters the first search chose for it.
 */
async function maybeRetrain(
  options: RunOptions,
  monitored: MonitorResult,
  seen: Table,
  test: Table,
  params: Record<ModelFamily, Params>,
  batch: number,
): Promise<BatchOutcome> {
  const conceptDrift = monitored.performance?.conceptDrift ?? false;
  const base = {
    batch,
    rows: monitored.rows,
    driftShare: monitored.driftShare,
    datasetDrift: monitored.datasetDrift,
    conceptDrift,
    championVersion: monitored.championVersion,
    championAuc: monitored.performance?.championAuc ?? null,
  };
  if (!monitored.datasetDrift && !conceptDrift && !options.forceRetrain) {
    return {
      ...base,
      retrained: false,
      retrainReason: null,
      promoted: false,
      championAfter: monitored.championVersion,
      challengerAuc: null,
    };
  }

  const reason = monitored.datasetDrift ? 'dataset drift' : conceptDrift ? 'performance drop' : 'forced';
  info(`batch ${batch}: retraining on ${seen.rows.length} rows seen so far (${reason})`);
  const n = seen.rows.length;
  const fit = sliceTable(seen, 0, Math.floor(n * 0.8));
  const validation = sliceTable(seen, Math.floor(n * 0.8), Math.floor(n * 0.9));
  const holdout = sliceTable(seen, Math.floor(n * 0.9), n);
  const training = await trainModels({
    tracking: options.tracking,
    splits: { train: fit, validation, test },
    families: options.families,
    hpo: false,
    trials: 1,
    params,
    seed: options.seed + batch,
    threads: options.threads,
    target: options.split.target,
    runName: `retrain-batch-${String(batch).padStart(2, '0')}`,
    tags: { 'healthpredict.trigger': reason, batch: String(batch) },
    signal: options.signal,
  });
  const registration = await registerModels({
    tracking: options.tracking,
    registry: options.registry,
    parentRunId: training.parentRunId,
    evaluation: holdout,
    maxAucDrop: options.maxAucDrop,
  });
  return {
    ...base,
    retrained: true,
    retrainReason: reason,
    promoted: registration.gate.promoted,
    championAfter: registration.championVersion,
    challengerAuc: registration.gate.challengerAuc,
  };
}
