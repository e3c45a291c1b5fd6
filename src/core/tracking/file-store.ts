import { randomInt, randomUUID } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';

import { EXIT_CODES, UserError } from '../errors/index.js';
import { debugFor } from '../util/log.js';
import { writeFileAtomic } from '../util/files.js';
import {
  LIMITS,
  validateExperimentId,
  validateExperimentName,
  validateKey,
  validateLength,
  validateRunId,
} from './mlflow-validation.js';
import { dumpMlflowYaml, parseMlflowYaml, yamlNumber, yamlString, type YamlRecord } from './mlflow-yaml.js';
import { parsePythonFloat, pythonFloatRepr, pythonStr } from './python-repr.js';
import {
  appendToUri,
  fileUriPath,
  listFilesRecursive,
  listSubdirectories,
  localFileUri,
  mkdirExclusive,
  pathExists,
  readKeyFiles,
  readTextIfExists,
  withLock,
  writeFileExclusive,
} from './store-files.js';
import type {
  CreateRunInput,
  Experiment,
  LogBatchInput,
  MetricPoint,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsInput,
  TrackingStore,
} from './types.js';
import { compareMetricDesc, compareText } from './run-order.js';

const debug = debugFor('tracking');

/** `RunStatus` in MLflow's protobuf enum, which is how `meta.yaml` stores it. */
const STATUS_CODES: Record<RunStatus, number> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};
const STATUS_NAMES = new Map(Object.entries(STATUS_CODES).map(([name, code]) => [code, name as RunStatus]));
const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['FINISHED', 'FAILED', 'KILLED']);

/** `SourceType.LOCAL`: MLflow writes it for every run, whatever the run's real source. */
const SOURCE_TYPE_LOCAL = 4;
const DEFAULT_EXPERIMENT_ID = '0';
const TRASH_FOLDER = '.trash';
const MODELS_FOLDER = 'models';
/** Folders inside an experiment that are not runs. */
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces']);
const RUN_NAME_TAG = 'mlflow.runName';
const PARENT_RUN_TAG = 'mlflow.parentRunId';
const USER_TAG = 'mlflow.user';

interface LocatedRun {
  runDir: string;
  info: RunInfo;
  userId: string;
}

/**
 * Tracking in a directory laid out exactly as MLflow 2.11's FileStore lays out `./mlruns`, so that
 * `mlflow ui --backend-store-uri ./mlruns` and `MlflowClient` read what this store writes, and this store
 * reads what MLflow wrote:
 *
 * ```
 * mlruns/0/meta.yaml                       the Default experiment, created on first write
 * mlruns/.trash/                           deleted experiments
 * mlruns/<experiment id>/meta.yaml         experiment_id (quoted), name, artifact_location, …
 * mlruns/<experiment id>/tags/<key>        raw value, no newline
 * mlruns/<experiment id>/<run id>/meta.yaml
 * mlruns/<experiment id>/<run id>/{params,tags}/<key>
 * mlruns/<experiment id>/<run id>/metrics/<key>      one "timestamp value step" line per point
 * mlruns/<experiment id>/<run id>/artifacts/
 * ```
 *
 * Reads never write, so a read-only store (a copy of another machine's `mlruns`) can be read. Every file is
 * written under a temporary name and renamed into place (a param is hard-linked instead, so that its first
 * value wins).
 *
 * Known limit: two processes creating the same experiment name at the same moment can create two experiments
 * of that name, as MLflow's own FileStore can; within one process creation is serialised.
 */
export class FileTrackingStore implements TrackingStore {
  readonly uri: string;
  readonly root: string;
  private readonly trash: string;
  private ready?: Promise<void>;
  private readonly runDirs = new Map<string, string>();

  constructor(root = './mlruns') {
    this.root = resolve(root);
    this.trash = join(this.root, TRASH_FOLDER);
    this.uri = localFileUri(this.root);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const matches: Experiment[] = [];
    for (const id of await this.experimentIds(this.root)) {
      const experiment = await this.readExperiment(join(this.root, id));
      if (experiment?.name === name && experiment.lifecycleStage === 'active') matches.push(experiment);
    }
    // MLflow returns the first of `creation_time DESC, experiment_id ASC`.
    matches.sort((a, b) => b.creationTime - a.creationTime || compareText(a.experimentId, b.experimentId));
    return matches[0];
  }

  async getOrCreateExperiment(name: string, tags: Record<string, string> = {}): Promise<Experiment> {
    validateExperimentName(name);
    for (const [key, value] of Object.entries(tags)) {
      validateKey('tag', key);
      validateLength(`experiment tag "${key}"`, value, LIMITS.experimentTagValue);
    }
    await this.ensureRoot();

    return withLock(`${this.root}#experiments`, async () => {
      const existing = await this.getExperimentByName(name);
      if (existing) return existing;
      await this.refuseDeletedName(name);

      let id = generateExperimentId();
      while (!(await mkdirExclusive(join(this.root, id)))) id = generateExperimentId();
      await this.writeExperiment(id, name, tags);
      debug('created experiment %s (%s) in %s', name, id, this.root);
      return this.getExperiment(id);
    });
  }

  /** The experiment of that id, active or deleted. */
  async getExperiment(experimentId: string): Promise<Experiment> {
    const dir = await this.experimentDir(experimentId);
    const experiment = dir ? await this.readExperiment(dir) : undefined;
    if (!experiment) {
      throw new UserError(
        `experiment ${experimentId} is not in the tracking store ${this.uri}`,
        'check the experiment id, or create the experiment by training first',
        EXIT_CODES.notFound,
      );
    }
    return experiment;
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    const tags: Record<string, string> = { ...input.tags };
    if (input.parentRunId !== undefined) {
      validateRunId(input.parentRunId);
      tags[PARENT_RUN_TAG] = input.parentRunId;
    }
    const runId = randomUUID().replace(/-/g, '');
    const runName = input.runName || tags[RUN_NAME_TAG] || `run-${runId.slice(0, 8)}`;
    if (tags[RUN_NAME_TAG] !== undefined && tags[RUN_NAME_TAG] !== runName) {
      throw new UserError(
        `the run name "${runName}" and the tag ${RUN_NAME_TAG}="${tags[RUN_NAME_TAG]}" differ`,
        `give the run name once, or the same value in both`,
      );
    }
    tags[RUN_NAME_TAG] = runName;
    validateTags(tags);
    await this.ensureRoot();

    const experiment = await this.getExperiment(input.experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw new UserError(
        `experiment ${experiment.experimentId} (${experiment.name}) is deleted; runs cannot be created in it`,
        'restore it with `mlflow experiments restore`, or use another experiment name',
      );
    }
    const experimentDir = (await this.experimentDir(experiment.experimentId)) as string;
    const runDir = join(experimentDir, runId);
    const info: RunInfo = {
      runId,
      experimentId: experiment.experimentId,
      runName,
      status: 'RUNNING',
      startTime: input.startTime ?? Date.now(),
      endTime: null,
      artifactUri: appendToUri(experiment.artifactLocation, runId, 'artifacts'),
      lifecycleStage: 'active',
    };

    await mkdir(runDir);
    await writeFileAtomic(
      join(runDir, 'meta.yaml'),
      dumpMlflowYaml(runMeta(info, input.userId ?? tags[USER_TAG] ?? 'unknown')),
    );
    for (const folder of ['metrics', 'params', 'artifacts'])
      await mkdir(join(runDir, folder), { recursive: true });
    for (const [key, value] of Object.entries(tags))
      await writeFileAtomic(keyPath(runDir, 'tags', key), value);
    this.runDirs.set(runId, runDir);
    debug('created run %s (%s) in experiment %s', runName, runId, experiment.experimentId);
    return this.getRun(runId);
  }

  async getRun(runId: string): Promise<Run> {
    const located = await this.locateRun(runId);
    return this.readRun(located);
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const params = Object.entries(batch.params ?? {}).map(([key, value]) => [key, pythonStr(value)] as const);
    const metrics = batch.metrics ?? [];
    const tags = batch.tags ?? {};
    for (const [key, value] of params) {
      validateKey('param', key);
      validateLength(`param "${key}"`, value, LIMITS.paramValue);
    }
    metrics.forEach(validateMetric);
    validateTags(tags);

    const located = await this.locateActiveRun(runId);
    for (const [key, value] of params) await this.checkParamUnchanged(located, key, value);
    for (const [key, value] of params) await this.writeParam(located, key, value);
    await this.appendMetrics(located.runDir, metrics);
    for (const [key, value] of Object.entries(tags)) await this.writeTag(located, key, value);
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    validateTags({ [key]: value });
    const located = await this.locateActiveRun(runId);
    await this.writeTag(located, key, value);
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    if (!(status in STATUS_CODES)) {
      throw new UserError(
        `unknown run status "${status}"`,
        `use one of ${Object.keys(STATUS_CODES).join(', ')}`,
      );
    }
    const located = await this.locateActiveRun(runId);
    await this.rewriteRunMeta(located, (info) => ({
      ...info,
      status,
      endTime: endTime ?? (TERMINAL_STATUSES.has(status) ? Date.now() : info.endTime),
    }));
  }

  /**
   * Marks a run deleted, as `MlflowClient.delete_run` does: it stays on disk with `lifecycle_stage: deleted`
   * and a `deleted_time`, and searches skip it.
   */
  async deleteRun(runId: string): Promise<void> {
    const located = await this.locateRun(runId);
    await this.rewriteRunMeta(located, (info) => ({ ...info, lifecycleStage: 'deleted' }), Date.now());
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    validateKey('metric', key);
    const { runDir, info } = await this.locateRun(runId);
    const text = await readTextIfExists(keyPath(runDir, 'metrics', key));
    return text === undefined ? [] : parseMetricLines(key, text, info.runId);
  }

  async searchRuns(input: SearchRunsInput): Promise<Run[]> {
    const runs: Run[] = [];
    for (const experimentId of input.experimentIds) {
      validateExperimentId(experimentId);
      const experimentDir = await this.experimentDir(experimentId);
      if (!experimentDir) continue;
      for (const name of await listSubdirectories(experimentDir)) {
        if (RESERVED_EXPERIMENT_FOLDERS.has(name)) continue;
        const located = await this.readRunDir(join(experimentDir, name));
        if (!located || located.info.experimentId !== experimentId) continue;
        if (located.info.lifecycleStage !== 'active') continue;
        if (input.status && !input.status.includes(located.info.status)) continue;
        const run = await this.readRun(located);
        if (Object.entries(input.tags ?? {}).every(([key, value]) => run.tags[key] === value)) runs.push(run);
      }
    }

    // MLflow's order before any `order_by`: newest first, then run id.
    runs.sort((a, b) => b.info.startTime - a.info.startTime || compareText(a.info.runId, b.info.runId));
    const metric = input.orderByMetricDesc;
    if (metric !== undefined) runs.sort((a, b) => compareMetricDesc(a.metrics[metric], b.metrics[metric]));
    return runs;
  }

  async logArtifact(runId: string, path: string, data: string | Uint8Array): Promise<void> {
    const located = await this.locateRun(runId);
    const target = resolveInside(await this.artifactDir(located), path);
    await writeFileAtomic(target, data);
  }

  async readArtifact(runId: string, path: string): Promise<Buffer> {
    const located = await this.locateRun(runId);
    const target = resolveInside(await this.artifactDir(located), path);
    try {
      return await readFile(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new UserError(
        `run ${runId} has no artifact "${path}"`,
        'check the artifact path; `listArtifacts` shows what the run holds',
        EXIT_CODES.notFound,
      );
    }
  }

  /** Every artifact file under `path` (default: all), relative to the run's artifact root, sorted. */
  async listArtifacts(runId: string, path = ''): Promise<string[]> {
    const located = await this.locateRun(runId);
    const root = await this.artifactDir(located);
    const base = path === '' ? root : resolveInside(root, path);
    const prefix =
      path === ''
        ? ''
        : `${base
            .slice(root.length + 1)
            .split(sep)
            .join('/')}/`;
    return (await listFilesRecursive(base)).map((file) => `${prefix}${file}`);
  }

  /**
   * The folder a run's artifacts are in. MLflow writes the absolute `file://` path into `artifact_uri`; when
   * the store has been moved or copied from another machine that path no longer exists, and the run's own
   * `artifacts/` folder beside its `meta.yaml` is used instead.
   */
  private async artifactDir(located: LocatedRun): Promise<string> {
    const uri = located.info.artifactUri;
    if (!uri.startsWith('file:')) {
      throw new UserError(
        `run ${located.info.runId} keeps its artifacts at ${uri}, which this build cannot read`,
        'use a tracking store whose artifacts are local (the default ./mlruns)',
      );
    }
    const stored = resolve(fileUriPath(uri));
    return (await pathExists(dirname(stored))) ? stored : join(located.runDir, 'artifacts');
  }

  /** Finds a run's folder and reads its `meta.yaml`, active or deleted. */
  private async locateRun(runId: string): Promise<LocatedRun> {
    validateRunId(runId);
    const cached = this.runDirs.get(runId);
    const located = cached ? await this.readRunDir(cached) : undefined;
    if (located) return located;

    for (const parent of [this.root, this.trash]) {
      for (const experimentId of await this.experimentIds(parent)) {
        const found = await this.readRunDir(join(parent, experimentId, runId));
        if (!found) continue;
        if (found.info.experimentId !== experimentId) {
          throw new UserError(
            `run ${runId} is in the folder of experiment ${experimentId} but its meta.yaml names experiment ${found.info.experimentId}`,
            'move the run folder back under its experiment, or fix experiment_id in its meta.yaml',
            EXIT_CODES.badInput,
          );
        }
        this.runDirs.set(runId, found.runDir);
        return found;
      }
    }
    throw new UserError(
      `run ${runId} is not in the tracking store ${this.uri}`,
      'check the run id and the tracking URI (MLFLOW_TRACKING_URI)',
      EXIT_CODES.notFound,
    );
  }

  /** Creates the store on first write: the root, `.trash` and the Default experiment `0`, as MLflow does. */
  private ensureRoot(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.trash, { recursive: true });
      if (await this.experimentDir(DEFAULT_EXPERIMENT_ID)) return;
      if (await mkdirExclusive(join(this.root, DEFAULT_EXPERIMENT_ID))) {
        await this.writeExperiment(DEFAULT_EXPERIMENT_ID, 'Default', {});
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async writeExperiment(id: string, name: string, tags: Record<string, string>): Promise<void> {
    const dir = join(this.root, id);
    const now = Date.now();
    const meta = {
      artifact_location: appendToUri(this.uri, id),
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    };
    await writeFileAtomic(join(dir, 'meta.yaml'), dumpMlflowYaml(meta));
    for (const [key, value] of Object.entries(tags)) await writeFileAtomic(keyPath(dir, 'tags', key), value);
  }

  private async refuseDeletedName(name: string): Promise<void> {
    for (const id of await this.experimentIds(this.trash)) {
      const experiment = await this.readExperiment(join(this.trash, id));
      if (experiment?.name === name) {
        throw new UserError(
          `experiment "${name}" (${id}) exists in the deleted state`,
          'restore it with `mlflow experiments restore`, or delete it for good from mlruns/.trash',
        );
      }
    }
  }

  private async experimentIds(parent: string): Promise<string[]> {
    const names = await listSubdirectories(parent);
    return names.filter((name) => name !== TRASH_FOLDER && name !== MODELS_FOLDER);
  }

  private async experimentDir(experimentId: string): Promise<string | undefined> {
    validateExperimentId(experimentId);
    for (const parent of [this.root, this.trash]) {
      const dir = join(parent, experimentId);
      if (await isDirectory(dir)) return dir;
    }
    return undefined;
  }

  private async readExperiment(dir: string): Promise<Experiment | undefined> {
    const path = join(dir, 'meta.yaml');
    const text = await readTextIfExists(path);
    if (text === undefined) return undefined;
    const meta = readMeta(text, path);
    return {
      experimentId: yamlString(meta, 'experiment_id') ?? basename(dir),
      name: yamlString(meta, 'name') ?? '',
      artifactLocation: yamlString(meta, 'artifact_location') ?? appendToUri(this.uri, basename(dir)),
      lifecycleStage: yamlString(meta, 'lifecycle_stage') === 'deleted' ? 'deleted' : 'active',
      creationTime: yamlNumber(meta, 'creation_time') ?? 0,
      lastUpdateTime: yamlNumber(meta, 'last_update_time') ?? 0,
      tags: await readKeyFiles(join(dir, 'tags')),
    };
  }

  private async readRunDir(runDir: string): Promise<LocatedRun | undefined> {
    const path = join(runDir, 'meta.yaml');
    const text = await readTextIfExists(path);
    if (text === undefined) return undefined;
    const meta = readMeta(text, path);
    const status = yamlNumber(meta, 'status') ?? STATUS_CODES.RUNNING;
    const info: RunInfo = {
      runId: yamlString(meta, 'run_id') ?? yamlString(meta, 'run_uuid') ?? basename(runDir),
      experimentId: yamlString(meta, 'experiment_id') ?? basename(dirname(runDir)),
      runName: yamlString(meta, 'run_name') ?? '',
      status: STATUS_NAMES.get(status) ?? 'RUNNING',
      startTime: yamlNumber(meta, 'start_time') ?? 0,
      endTime: yamlNumber(meta, 'end_time'),
      artifactUri: yamlString(meta, 'artifact_uri') ?? localFileUri(join(runDir, 'artifacts')),
      lifecycleStage: yamlString(meta, 'lifecycle_stage') === 'deleted' ? 'deleted' : 'active',
    };
    return { runDir, info, userId: yamlString(meta, 'user_id') ?? 'unknown' };
  }

  private async readRun(located: LocatedRun): Promise<Run> {
    const { runDir, info } = located;
    const metrics: Record<string, number> = {};
    for (const key of await listFilesRecursive(join(runDir, 'metrics'))) {
      const text = (await readTextIfExists(keyPath(runDir, 'metrics', key))) ?? '';
      const latest = latestPoint(parseMetricLines(key, text, info.runId));
      if (latest) metrics[key] = latest.value;
    }
    const tags = await readKeyFiles(join(runDir, 'tags'));
    const runName = info.runName || tags[RUN_NAME_TAG] || '';
    return { info: { ...info, runName }, metrics, params: await readKeyFiles(join(runDir, 'params')), tags };
  }

  private async locateActiveRun(runId: string): Promise<LocatedRun> {
    const located = await this.locateRun(runId);
    if (located.info.lifecycleStage !== 'active') {
      throw new UserError(
        `run ${runId} is deleted; MLflow accepts no more logging to it`,
        'restore it with `mlflow runs restore`, or log to a new run',
      );
    }
    return located;
  }

  private async rewriteRunMeta(
    located: LocatedRun,
    change: (info: RunInfo) => RunInfo,
    deletedTime?: number,
  ): Promise<void> {
    const path = join(located.runDir, 'meta.yaml');
    await withLock(path, async () => {
      const current = (await this.readRunDir(located.runDir)) ?? located;
      const meta = runMeta(change(current.info), current.userId, deletedTime);
      await writeFileAtomic(path, dumpMlflowYaml(meta));
    });
  }

  private async checkParamUnchanged(located: LocatedRun, key: string, value: string): Promise<void> {
    const current = await readTextIfExists(keyPath(located.runDir, 'params', key));
    if (current !== undefined && current !== value)
      throw paramChanged(located.info.runId, key, current, value);
  }

  private async writeParam(located: LocatedRun, key: string, value: string): Promise<void> {
    // Params are immutable in MLflow: the first value logged wins, even against a concurrent writer.
    const path = keyPath(located.runDir, 'params', key);
    if (await writeFileExclusive(path, value)) return;
    const current = await readFile(path, 'utf8');
    if (current !== value) throw paramChanged(located.info.runId, key, current, value);
  }

  private async writeTag(located: LocatedRun, key: string, value: string): Promise<void> {
    await writeFileAtomic(keyPath(located.runDir, 'tags', key), value);
    if (key === RUN_NAME_TAG) await this.rewriteRunMeta(located, (info) => ({ ...info, runName: value }));
  }

  private async appendMetrics(runDir: string, metrics: MetricPoint[]): Promise<void> {
    const linesByKey = new Map<string, string>();
    for (const point of metrics) {
      const line = `${point.timestamp} ${pythonFloatRepr(point.value)} ${point.step}\n`;
      linesByKey.set(point.key, (linesByKey.get(point.key) ?? '') + line);
    }
    for (const [key, lines] of linesByKey) {
      const path = keyPath(runDir, 'metrics', key);
      await withLock(path, async () => {
        await writeFileAtomic(path, ((await readTextIfExists(path)) ?? '') + lines);
      });
    }
  }
}

/** The run `meta.yaml` MLflow writes (`_make_persisted_run_info_dict`), keys in PyYAML's sorted order. */
function runMeta(info: RunInfo, userId: string, deletedTime?: number): YamlRecord {
  return {
    artifact_uri: info.artifactUri,
    ...(deletedTime === undefined ? {} : { deleted_time: deletedTime }),
    end_time: info.endTime,
    entry_point_name: '',
    experiment_id: info.experimentId,
    lifecycle_stage: info.lifecycleStage,
    run_id: info.runId,
    run_name: info.runName,
    run_uuid: info.runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: '',
    start_time: info.startTime,
    status: STATUS_CODES[info.status],
    tags: [],
    user_id: userId,
  };
}

function readMeta(text: string, path: string): YamlRecord {
  try {
    return parseMlflowYaml(text, path);
  } catch (error) {
    throw new UserError(
      `${path} is not a valid MLflow meta.yaml: ${(error as Error).message}`,
      'repair the file, or move the folder out of the tracking store',
      EXIT_CODES.badInput,
    );
  }
}

function parseMetricLines(key: string, text: string, runId: string): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts.length === 1 && parts[0] === '') continue;
    try {
      if (parts.length !== 2 && parts.length !== 3)
        throw new Error(`${parts.length} fields, expected 2 or 3`);
      const timestamp = Number(parts[0]);
      const step = parts.length === 3 ? Number(parts[2]) : 0;
      if (!Number.isInteger(timestamp) || !Number.isInteger(step)) throw new Error('a bad timestamp or step');
      points.push({ key, value: parsePythonFloat(parts[1]), timestamp, step });
    } catch (error) {
      throw new UserError(
        `metric "${key}" of run ${runId} is malformed (line "${line}": ${(error as Error).message})`,
        'repair the metric file: one "timestamp value step" line per point',
        EXIT_CODES.badInput,
      );
    }
  }
  return points;
}

/** MLflow's latest value of a metric: the largest step, then the latest timestamp, then the largest value. */
function latestPoint(points: MetricPoint[]): MetricPoint | undefined {
  let latest: MetricPoint | undefined;
  for (const point of points) {
    if (
      !latest ||
      point.step > latest.step ||
      (point.step === latest.step && point.timestamp > latest.timestamp) ||
      (point.step === latest.step && point.timestamp === latest.timestamp && point.value > latest.value)
    ) {
      latest = point;
    }
  }
  return latest;
}

export function validateMetric(point: MetricPoint): void {
  validateKey('metric', point.key);
  if (typeof point.value !== 'number') {
    throw new UserError(`metric "${point.key}" has the value ${String(point.value)}`, 'log a number');
  }
  if (!Number.isSafeInteger(point.timestamp) || point.timestamp < 0) {
    throw new UserError(
      `metric "${point.key}" has the timestamp ${point.timestamp}`,
      'give milliseconds since the epoch, a whole number ≥ 0',
    );
  }
  if (!Number.isSafeInteger(point.step)) {
    throw new UserError(`metric "${point.key}" has the step ${point.step}`, 'give a whole number step');
  }
}

export function validateTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    validateKey('tag', key);
    validateLength(`tag "${key}"`, value, LIMITS.tagValue);
  }
}

function paramChanged(runId: string, key: string, current: string, value: string): UserError {
  return new UserError(
    `param "${key}" of run ${runId} was logged as "${current}"; MLflow does not allow changing it to "${value}"`,
    'log each configuration to its own run (nested runs for trials)',
  );
}

/** The file of a key under `tags/`, `params/` or `metrics/`; a key with slashes is a nested path. */
function keyPath(runDir: string, folder: string, key: string): string {
  return join(runDir, folder, ...key.split('/'));
}

function resolveInside(root: string, path: string): string {
  const target = resolve(root, path);
  if (path === '' || path.startsWith('/') || !target.startsWith(root + sep)) {
    throw new UserError(
      `artifact path "${path}" is not inside the run's artifact folder`,
      'use a relative path such as model/MLmodel',
    );
  }
  return target;
}

/** MLflow's FileStore experiment id: a random 18-digit integer (`_generate_unique_integer_id`). */
function generateExperimentId(): string {
  let id = String(randomInt(1, 10));
  while (id.length < 18) id += String(randomInt(0, 10));
  return id;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
