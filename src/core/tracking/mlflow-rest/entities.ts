import type { ModelVersion, RegisteredModel, Stage } from '../../registry/types.js';
import type { Experiment, MetricPoint, Run, RunInfo, RunStatus } from '../types.js';
import type { JsonObject } from './http-client.js';

/**
 * MLflow 2.x REST entities as this project's types. The server leaves out every empty list (no `tags`, no
 * `metrics`, no `aliases`), so each list defaults to empty; ids and versions are strings and times are numbers
 * of epoch milliseconds, though the protobuf mapping also allows int64 as strings, so both are read.
 */

type KeyValue = { key?: unknown; value?: unknown };

const RUN_STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
const STAGES: ReadonlySet<string> = new Set(['None', 'Staging', 'Production', 'Archived']);
const VERSION_STATUSES: ReadonlySet<string> = new Set([
  'READY',
  'PENDING_REGISTRATION',
  'FAILED_REGISTRATION',
]);

export function list(value: unknown): JsonObject[] {
  return Array.isArray(value) ? (value as JsonObject[]) : [];
}

export function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? fallback : String(value);
}

/** An int64 or double as MLflow writes it: a number, or a string ("NaN", "Infinity", "1796…"). */
export function number(value: unknown, fallback = 0): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return fallback;
}

/** A key/value list (`tags`, `params`) as a record, later entries winning as they do in MLflow. */
export function keyValues(value: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  for (const item of list(value) as KeyValue[]) record[text(item.key)] = text(item.value);
  return record;
}

/** A record as MLflow's key/value list, in the record's order; undefined when empty (MLflow omits it). */
export function toKeyValues(
  record: Record<string, string> | undefined,
): { key: string; value: string }[] | undefined {
  const entries = Object.entries(record ?? {});
  return entries.length > 0 ? entries.map(([key, value]) => ({ key, value })) : undefined;
}

export function decodeExperiment(json: unknown): Experiment {
  const experiment = (json ?? {}) as JsonObject;
  return {
    experimentId: text(experiment.experiment_id),
    name: text(experiment.name),
    artifactLocation: text(experiment.artifact_location),
    lifecycleStage: experiment.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: number(experiment.creation_time),
    lastUpdateTime: number(experiment.last_update_time),
    tags: keyValues(experiment.tags),
  };
}

export function decodeRunInfo(json: unknown): RunInfo {
  const info = (json ?? {}) as JsonObject;
  const status = text(info.status, 'RUNNING');
  return {
    runId: text(info.run_id ?? info.run_uuid),
    experimentId: text(info.experiment_id),
    runName: text(info.run_name),
    status: (RUN_STATUSES.has(status) ? status : 'RUNNING') as RunStatus,
    startTime: number(info.start_time),
    endTime: info.end_time === undefined || info.end_time === null ? null : number(info.end_time),
    artifactUri: text(info.artifact_uri),
    lifecycleStage: info.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

/** A run; `data.metrics` holds the latest value per key only, as MLflow sends it. */
export function decodeRun(json: unknown): Run {
  const run = (json ?? {}) as JsonObject;
  const data = (run.data ?? {}) as JsonObject;
  const info = decodeRunInfo(run.info);
  const tags = keyValues(data.tags);
  const metrics: Record<string, number> = {};
  for (const metric of list(data.metrics)) metrics[text(metric.key)] = number(metric.value, NaN);
  return {
    info: { ...info, runName: info.runName || tags['mlflow.runName'] || '' },
    metrics,
    params: keyValues(data.params),
    tags,
  };
}

export function decodeMetric(json: JsonObject): MetricPoint {
  return {
    key: text(json.key),
    value: number(json.value, NaN),
    timestamp: number(json.timestamp),
    step: number(json.step),
  };
}

/**
 * A model version. MLflow answers `""` for a description never given, where the FileStore registry keeps
 * null; both read as null here, so the two stores agree.
 */
export function decodeModelVersion(json: unknown): ModelVersion {
  const version = (json ?? {}) as JsonObject;
  const stage = text(version.current_stage, 'None');
  const status = text(version.status, 'READY');
  return {
    name: text(version.name),
    version: text(version.version),
    runId: text(version.run_id),
    source: text(version.source),
    currentStage: (STAGES.has(stage) ? stage : 'None') as Stage,
    creationTimestamp: number(version.creation_timestamp),
    lastUpdatedTimestamp: number(version.last_updated_timestamp),
    description: text(version.description) || null,
    status: (VERSION_STATUSES.has(status) ? status : 'READY') as ModelVersion['status'],
    tags: keyValues(version.tags),
    aliases: Array.isArray(version.aliases) ? version.aliases.map((alias) => text(alias)) : [],
  };
}

/** A registered model; its `aliases` are `{alias, version}` objects, unlike a version's plain strings. */
export function decodeRegisteredModel(json: unknown): RegisteredModel {
  const model = (json ?? {}) as JsonObject;
  const aliases: Record<string, string> = {};
  for (const item of list(model.aliases)) aliases[text(item.alias)] = text(item.version);
  return {
    name: text(model.name),
    description: text(model.description) || null,
    creationTimestamp: number(model.creation_timestamp),
    lastUpdatedTimestamp: number(model.last_updated_timestamp),
    tags: keyValues(model.tags),
    aliases,
  };
}
