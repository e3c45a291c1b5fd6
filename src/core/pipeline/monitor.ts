import { batchKey, readManifest } from '../data/manifest.js';
import { parseCsv } from '../data/read.js';
import type { Table } from '../data/table.js';
import {
  calibrate,
  columnDrift,
  STAT_TEST_INFO,
  datasetDrift,
  type CalibrationColumn,
  type ColumnDriftInput,
  type ColumnDriftResult,
  type StatTestName,
} from '../drift/index.js';
import { EXIT_CODES, UserError } from '../errors/index.js';
import { evaluateBinary, rocCurve } from '../evaluation/index.js';
import {
  engineer,
  INPUT_COLUMNS,
  withoutExcludedDispositions,
  type EngineeredColumns,
} from '../features/engineer.js';
import { scoreTable } from '../models/scorer.js';
import type { ModelRegistry } from '../registry/types.js';
import { renderDriftReport } from '../reports/html.js';
import type { RocCurve } from '../reports/types.js';
import type { ObjectStore } from '../storage/index.js';
import { OpenRuns, statusFor } from '../tracking/open-runs.js';
import type { TrackingStore } from '../tracking/types.js';
import { info } from '../util/log.js';
import { labelsOf } from './prepared-data.js';
import { readVerified } from './split.js';
import { CHAMPION_ALIAS, CHAMPION_MODEL, loadChampion } from './register.js';

export const MONITORING_EXPERIMENT = 'HealthPredict_Drift_Monitoring';

export interface MonitorOptions {
  store: ObjectStore;
  tracking: TrackingStore;
  registry: ModelRegistry;
  batch: number;
  /** Dataset drift when the share of drifted features reaches this (default 0.5). */
  driftShare: number;
  /** Force one test for every feature instead of Evidently's default choice. */
  stattest?: StatTestName;
  /** Threshold for the forced test. */
  stattestThreshold?: number;
  /** Bootstrap iterations of reference-vs-reference noise (0 = off). */
  calibrate?: number;
  /** A performance drop larger than this against the champion's test AUC counts as concept drift. */
  maxAucDrop: number;
  seed: number;
  /** Current rows instead of the stored batch file (the loop passes these). */
  current?: Table;
}

export interface MonitorResult {
  batch: number;
  rows: number;
  referenceRows: number;
  championVersion: string;
  columns: ColumnDriftResult[];
  nDrifted: number;
  driftShare: number;
  driftShareThreshold: number;
  datasetDrift: boolean;
  noise?: { mean: number; p95: number; max: number; iterations: number };
  performance: { championAuc: number; referenceAuc: number; drop: number; conceptDrift: boolean } | null;
  rocCurve: RocCurve | null;
  runId: string;
  reportKeys: string[];
}

/**
 * Compares a batch of future data with the champion's reference sample, feature by feature, decides dataset
 * drift, measures the champion on the batch when it has labels, and stores the report and a run.
 */
export async function monitorBatch(options: MonitorOptions): Promise<MonitorResult> {
  const champion = await loadChampion(options.tracking, options.registry);
  if (!champion) {
    throw new UserError(
      `${CHAMPION_MODEL} has no version with the alias ${CHAMPION_ALIAS} in ${options.tracking.uri}`,
      'run `healthpredict train`, then `healthpredict register`',
      EXIT_CODES.notFound,
    );
  }
  const current = withoutExcludedDispositions(
    options.current ?? (await readBatch(options.store, options.batch)),
  );
  const reference = withoutExcludedDispositions(
    parseCsv(
      champion.artifact.referenceCsv,
      `reference sample of ${CHAMPION_MODEL} v${champion.version.version}`,
    ),
  );

  const referenceColumns = engineer(reference);
  const currentColumns = engineer(current);
  const columns = INPUT_COLUMNS.map(({ name, kind }) =>
    columnDrift({
      name,
      kind,
      reference: valuesOf(referenceColumns, name, kind),
      current: valuesOf(currentColumns, name, kind),
      ...forcedTest(options, kind),
    } as ColumnDriftInput),
  );
  const dataset = datasetDrift(columns, { driftShare: options.driftShare });
  const noise = options.calibrate
    ? calibrate({
        reference: INPUT_COLUMNS.map(
          ({ name, kind }) =>
            ({
              name,
              kind,
              values: valuesOf(referenceColumns, name, kind),
              ...forcedTest(options, kind),
            }) as CalibrationColumn,
        ),
        batchSize: current.rows.length,
        iterations: options.calibrate,
        seed: options.seed,
        driftShare: options.driftShare,
      })
    : undefined;

  const performance = measurePerformance(champion.artifact, current, options.maxAucDrop);
  const result: Omit<MonitorResult, 'runId' | 'reportKeys'> = {
    batch: options.batch,
    rows: current.rows.length,
    referenceRows: reference.rows.length,
    championVersion: champion.version.version,
    columns,
    nDrifted: dataset.nDrifted,
    driftShare: dataset.share,
    driftShareThreshold: options.driftShare,
    datasetDrift: dataset.datasetDrift,
    noise: noise && { mean: noise.mean, p95: noise.p95, max: noise.max, iterations: noise.iterations },
    performance: performance?.summary ?? null,
    rocCurve: performance?.curve ?? null,
  };

  const runId = await logMonitoringRun(options.tracking, result);
  const reportKeys = await writeReport(options.store, { ...result, runId });
  info(
    `batch ${options.batch}: ${dataset.nDrifted} of ${columns.length} features drifted (share ` +
      `${dataset.share.toFixed(3)}, threshold ${options.driftShare}): ${dataset.datasetDrift ? 'DRIFT' : 'no drift'}`,
  );
  return { ...result, runId, reportKeys };
}

/**
 * A forced test applies to the inputs it can test (KS and Wasserstein to numbers only); the others keep
 * Evidently's default, as Evidently's separate numeric and categorical stattest options do.
 */
function forcedTest(
  options: Pick<MonitorOptions, 'stattest' | 'stattestThreshold'>,
  kind: 'numeric' | 'categorical',
): { stattest?: StatTestName; threshold?: number } {
  if (!options.stattest || !STAT_TEST_INFO[options.stattest].kinds.includes(kind)) return {};
  return { stattest: options.stattest, threshold: options.stattestThreshold };
}

async function readBatch(store: ObjectStore, batch: number): Promise<Table> {
  const manifest = await readManifest(store);
  const batches = manifest.files.filter((file) => file.role === 'batch').map((file) => file.batch as number);
  if (!batches.includes(batch)) {
    throw new UserError(
      `batch ${batch} is not in ${store.uri}`,
      `choose one of ${batches.sort((a, b) => a - b).join(', ')}`,
      EXIT_CODES.notFound,
    );
  }
  return readVerified(store, manifest, batchKey(batch));
}

function valuesOf(
  columns: EngineeredColumns,
  name: string,
  kind: 'numeric' | 'categorical',
): number[] | string[] {
  return kind === 'numeric'
    ? Array.from(columns.numeric.get(name) as Float64Array)
    : (columns.categorical.get(name) as string[]);
}

function measurePerformance(artifact: Parameters<typeof scoreTable>[0], current: Table, maxAucDrop: number) {
  if (!current.columns.includes('target') || current.rows.length === 0) return undefined;
  const labels = labelsOf(current);
  const positives = labels.reduce((sum, label) => sum + label, 0);
  if (positives === 0 || positives === labels.length) return undefined;
  const scores = scoreTable(artifact, current);
  const championAuc = evaluateBinary(labels, scores, artifact.descriptor.threshold).rocAuc;
  const referenceAuc = artifact.metrics.test_roc_auc;
  const drop = referenceAuc - championAuc;
  const curve = rocCurve(labels, scores, { maxPoints: 200 });
  return {
    summary: { championAuc, referenceAuc, drop, conceptDrift: drop > maxAucDrop },
    curve: { label: `champion on batch`, auc: championAuc, fpr: curve.fpr, tpr: curve.tpr },
  };
}

async function logMonitoringRun(
  tracking: TrackingStore,
  result: Omit<MonitorResult, 'runId' | 'reportKeys'>,
): Promise<string> {
  const experiment = await tracking.getOrCreateExperiment(MONITORING_EXPERIMENT);
  const run = await tracking.createRun({
    experimentId: experiment.experimentId,
    runName: `batch-${String(result.batch).padStart(2, '0')}`,
    tags: {
      batch: String(result.batch),
      champion_version: result.championVersion,
      dataset_drift: result.datasetDrift ? 'True' : 'False',
    },
  });
  const openRuns = new OpenRuns(tracking);
  openRuns.add(run.info.runId);
  try {
    const timestamp = Date.now();
    const point = (key: string, value: number) => ({ key, value, timestamp, step: result.batch });
    const metrics = [
      point('drift_share', result.driftShare),
      point('n_drifted', result.nDrifted),
      point('rows', result.rows),
      ...result.columns.map((c) => point(`drift_score.${c.column}`, c.score)),
    ];
    if (result.performance) {
      metrics.push(
        point('champion_auc', result.performance.championAuc),
        point('auc_drop', result.performance.drop),
      );
    }
    if (result.noise) metrics.push(point('noise_share_p95', result.noise.p95));
    await tracking.logBatch(run.info.runId, {
      metrics,
      params: { drift_share_threshold: result.driftShareThreshold, reference_rows: result.referenceRows },
    });
    await openRuns.end(run.info.runId, 'FINISHED');
    return run.info.runId;
  } catch (error) {
    await openRuns.endAll(statusFor(error));
    throw error;
  }
}

async function writeReport(store: ObjectStore, result: Omit<MonitorResult, 'reportKeys'>): Promise<string[]> {
  const prefix = `drift/batch_${String(result.batch).padStart(2, '0')}`;
  const generatedAt = new Date().toISOString();
  const html = renderDriftReport({
    batch: result.batch,
    generatedAt,
    rows: result.rows,
    referenceRows: result.referenceRows,
    columns: result.columns,
    driftShare: result.driftShare,
    driftShareThreshold: result.driftShareThreshold,
    datasetDrift: result.datasetDrift,
    noiseShareP95: result.noise?.p95,
    championVersion: result.championVersion,
    championAuc: result.performance?.championAuc,
  });
  await store.write(`${prefix}/report.json`, JSON.stringify({ generatedAt, ...result }, null, 2));
  await store.write(`${prefix}/report.html`, html);
  return [`${prefix}/report.json`, `${prefix}/report.html`];
}
