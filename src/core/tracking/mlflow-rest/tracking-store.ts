import { EXIT_CODES, UserError } from '../../errors/index.js';
import { debugFor } from '../../util/log.js';
import {
  LIMITS,
  validateExperimentId,
  validateExperimentName,
  validateKey,
  validateLength,
  validateRunId,
} from '../mlflow-validation.js';
import { validateMetric, validateTags } from '../file-store.js';
import { pythonStr } from '../python-repr.js';
import type {
  CreateRunInput,
  Experiment,
  LogBatchInput,
  MetricPoint,
  Run,
  RunStatus,
  SearchRunsInput,
  TrackingStore,
} from '../types.js';
import { artifactRepository, type ArtifactAccess, type ArtifactRepository } from './artifacts.js';
import {
  decodeExperiment,
  decodeMetric,
  decodeRun,
  decodeRunInfo,
  list,
  text,
  toKeyValues,
} from './entities.js';
import { storeError } from './errors.js';
import { isMlflowError, type JsonObject, type MlflowHttpClient } from './http-client.js';
import { logBatchChunks } from './log-batch-chunks.js';
import { compareMetricDesc, compareText } from '../run-order.js';

const debug = debugFor('mlflow');

const RUN_NAME_TAG = 'mlflow.runName';
const PARENT_RUN_TAG = 'mlflow.parentRunId';
const USER_TAG = 'mlflow.user';
const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['FINISHED', 'FAILED', 'KILLED']);
const STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);

/** `searchRuns` with MLflow's own search language, for callers that know it; the filters are ANDed. */
export interface MlflowSearchRunsInput extends SearchRunsInput {
  /** An MLflow filter (`metrics.val_auc > 0.6`), ANDed with the filters built from `tags` and `status`. */
  filter?: string;
  /** MLflow `order_by` clauses instead of the one `orderByMetricDesc` builds. */
  orderBy?: string[];
  /** Runs per request (default: the server's, 1,000 for MLflow 2.x). */
  pageSize?: number;
}

export interface SearchExperimentsInput {
  filter?: string;
  orderBy?: string[];
  /** Experiments per request (default: the server's). */
  pageSize?: number;
}

/**
 * The tracking interface over an MLflow tracking server's REST API 2.0, behind which `FileTrackingStore` is
 * the embedded twin: the same checks on names and values run here before a request is sent, so both stores
 * refuse the same input with the same error, and results come back in the same order.
 *
 * Two behaviours of the server are met on purpose: a param value over 6,000 characters or a tag value over
 * 5,000 is refused here, because the server would truncate it silently; and `start_time` is always sent,
 * because the server would otherwise store 0.
 */
export class MlflowRestTrackingStore implements TrackingStore {
  readonly uri: string;
  private readonly artifactUris = new Map<string, string>();

  constructor(
    private readonly http: MlflowHttpClient,
    private readonly artifactAccess: Omit<ArtifactAccess, 'http'>,
  ) {
    this.uri = http.baseUrl;
  }

  /** The server's version (`GET /version`), after checking that it is alive (`GET /health`). */
  async serverVersion(): Promise<string> {
    await this.http.text('/health');
    return (await this.http.text('/version')).trim();
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const experiment = await this.findExperimentByName(name);
    return experiment?.lifecycleStage === 'active' ? experiment : undefined;
  }

  async getOrCreateExperiment(name: string, tags: Record<string, string> = {}): Promise<Experiment> {
    validateExperimentName(name);
    for (const [key, value] of Object.entries(tags)) {
      validateKey('tag', key);
      validateLength(`experiment tag "${key}"`, value, LIMITS.experimentTagValue);
    }
    const existing = await this.findExperimentByName(name);
    if (existing) return this.requireActive(existing);

    let experimentId: string;
    try {
      const created = await this.http.call('POST', 'mlflow/experiments/create', {
        name,
        tags: toKeyValues(tags),
      });
      experimentId = text(created.experiment_id);
    } catch (error) {
      // Another client created it between the two calls.
      if (!isMlflowError(error, 'RESOURCE_ALREADY_EXISTS'))
        throw this.fail(error, `create experiment "${name}"`);
      return this.requireActive((await this.findExperimentByName(name)) as Experiment);
    }
    debug('created experiment %s (%s) on %s', name, experimentId, this.uri);
    return this.getExperiment(experimentId);
  }

  /** The experiment of that id, active or deleted. */
  async getExperiment(experimentId: string): Promise<Experiment> {
    validateExperimentId(experimentId);
    try {
      const answer = await this.http.call('GET', 'mlflow/experiments/get', { experiment_id: experimentId });
      return decodeExperiment(answer.experiment);
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) {
        throw new UserError(
          `experiment ${experimentId} is not in the tracking store ${this.uri}`,
          'check the experiment id, or create the experiment by training first',
          EXIT_CODES.notFound,
        );
      }
      throw this.fail(error, `get experiment ${experimentId}`);
    }
  }

  /** Every experiment matching an MLflow filter, following the server's pages. */
  async searchExperiments(input: SearchExperimentsInput = {}): Promise<Experiment[]> {
    const experiments: Experiment[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.http
        .call('POST', 'mlflow/experiments/search', {
          max_results: input.pageSize,
          filter: input.filter,
          order_by: input.orderBy,
          page_token: pageToken,
        })
        .catch((error: unknown) => {
          throw this.fail(error, 'search experiments');
        });
      const page = list(answer.experiments);
      experiments.push(...page.map(decodeExperiment));
      pageToken = page.length > 0 && answer.next_page_token ? text(answer.next_page_token) : undefined;
    } while (pageToken);
    return experiments;
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    validateExperimentId(experimentId);
    validateKey('tag', key);
    validateLength(`experiment tag "${key}"`, value, LIMITS.experimentTagValue);
    await this.post(
      'mlflow/experiments/set-experiment-tag',
      { experiment_id: experimentId, key, value },
      `tag experiment ${experimentId}`,
    );
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    const tags: Record<string, string> = { ...input.tags };
    if (input.parentRunId !== undefined) {
      validateRunId(input.parentRunId);
      tags[PARENT_RUN_TAG] = input.parentRunId;
    }
    const runName = input.runName || tags[RUN_NAME_TAG] || undefined;
    if (runName !== undefined && tags[RUN_NAME_TAG] !== undefined && tags[RUN_NAME_TAG] !== runName) {
      throw new UserError(
        `the run name "${runName}" and the tag ${RUN_NAME_TAG}="${tags[RUN_NAME_TAG]}" differ`,
        `give the run name once, or the same value in both`,
      );
    }
    validateTags(tags);
    validateExperimentId(input.experimentId);

    const userId = input.userId ?? tags[USER_TAG];
    const answer = await this.post(
      'mlflow/runs/create',
      {
        experiment_id: input.experimentId,
        run_name: runName,
        start_time: input.startTime ?? Date.now(),
        user_id: userId,
        tags: toKeyValues(tags),
      },
      `create a run in experiment ${input.experimentId}`,
    );
    const run = decodeRun(answer.run);
    this.artifactUris.set(run.info.runId, run.info.artifactUri);
    debug('created run %s (%s) in experiment %s', run.info.runName, run.info.runId, input.experimentId);
    return run;
  }

  async getRun(runId: string): Promise<Run> {
    validateRunId(runId);
    try {
      const run = decodeRun((await this.http.call('GET', 'mlflow/runs/get', { run_id: runId })).run);
      this.artifactUris.set(runId, run.info.artifactUri);
      return run;
    } catch (error) {
      throw this.runError(error, runId, `get run ${runId}`);
    }
  }

  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    validateRunId(runId);
    const params = Object.entries(batch.params ?? {}).map(([key, value]) => ({
      key,
      value: pythonStr(value),
    }));
    const tags = Object.entries(batch.tags ?? {}).map(([key, value]) => ({ key, value }));
    const metrics = batch.metrics ?? [];
    for (const { key, value } of params) {
      validateKey('param', key);
      validateLength(`param "${key}"`, value, LIMITS.paramValue);
    }
    metrics.forEach(validateMetric);
    validateTags(batch.tags ?? {});

    for (const chunk of logBatchChunks(metrics, params, tags)) {
      await this.postRun(
        runId,
        'mlflow/runs/log-batch',
        {
          run_id: runId,
          metrics: chunk.metrics.length > 0 ? chunk.metrics.map(metricJson) : undefined,
          params: chunk.params.length > 0 ? chunk.params : undefined,
          tags: chunk.tags.length > 0 ? chunk.tags : undefined,
        },
        `log to run ${runId}`,
      );
    }
  }

  /** One metric point (`runs/log-metric`). */
  async logMetric(runId: string, point: MetricPoint): Promise<void> {
    validateRunId(runId);
    validateMetric(point);
    await this.postRun(
      runId,
      'mlflow/runs/log-metric',
      { run_id: runId, ...metricJson(point) },
      `log to run ${runId}`,
    );
  }

  /** One param (`runs/log-parameter`); logging the same value again is allowed, a different one is not. */
  async logParam(runId: string, key: string, value: string | number | boolean): Promise<void> {
    validateRunId(runId);
    const rendered = pythonStr(value);
    validateKey('param', key);
    validateLength(`param "${key}"`, rendered, LIMITS.paramValue);
    await this.postRun(
      runId,
      'mlflow/runs/log-parameter',
      { run_id: runId, key, value: rendered },
      `log to run ${runId}`,
    );
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    validateRunId(runId);
    validateTags({ [key]: value });
    await this.postRun(runId, 'mlflow/runs/set-tag', { run_id: runId, key, value }, `tag run ${runId}`);
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    validateRunId(runId);
    if (!STATUSES.has(status)) {
      throw new UserError(`unknown run status "${status}"`, `use one of ${[...STATUSES].join(', ')}`);
    }
    const end = endTime ?? (TERMINAL_STATUSES.has(status) ? Date.now() : undefined);
    const answer = await this.postRun(
      runId,
      'mlflow/runs/update',
      { run_id: runId, status, end_time: end },
      `end run ${runId}`,
    );
    const info = decodeRunInfo(answer.run_info);
    if (info.artifactUri) this.artifactUris.set(runId, info.artifactUri);
  }

  /** Marks a run deleted; searches skip it until it is restored. */
  async deleteRun(runId: string): Promise<void> {
    validateRunId(runId);
    await this.postRun(runId, 'mlflow/runs/delete', { run_id: runId }, `delete run ${runId}`);
  }

  async restoreRun(runId: string): Promise<void> {
    validateRunId(runId);
    await this.postRun(runId, 'mlflow/runs/restore', { run_id: runId }, `restore run ${runId}`);
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    validateRunId(runId);
    validateKey('metric', key);
    const points: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      let answer: JsonObject;
      try {
        answer = await this.http.call('GET', 'mlflow/metrics/get-history', {
          run_id: runId,
          metric_key: key,
          page_token: pageToken,
        });
      } catch (error) {
        throw this.runError(error, runId, `read metric "${key}" of run ${runId}`);
      }
      const page = list(answer.metrics);
      points.push(...page.map(decodeMetric));
      pageToken = page.length > 0 && answer.next_page_token ? text(answer.next_page_token) : undefined;
    } while (pageToken);
    return points;
  }

  /**
   * Active runs of the experiments, as `FileTrackingStore.searchRuns` returns them: exact tag values and one
   * status are filtered by the server; several statuses, and the order (newest first, then run id; or by a
   * metric, descending, runs without it last), are applied here as well, so both stores agree even where the
   * server breaks ties its own way.
   */
  async searchRuns(input: MlflowSearchRunsInput): Promise<Run[]> {
    input.experimentIds.forEach(validateExperimentId);
    if (input.experimentIds.length === 0) return [];
    const clauses = Object.entries(input.tags ?? {}).map(
      ([key, value]) => `tags.${identifier(key)} = ${literal(value)}`,
    );
    if (input.status?.length === 1) clauses.push(`attributes.status = '${input.status[0]}'`);
    if (input.filter) clauses.push(input.filter);
    const metric = input.orderByMetricDesc;
    const orderBy =
      input.orderBy ?? (metric === undefined ? undefined : [`metrics.${identifier(metric)} DESC`]);

    const runs: Run[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.http
        .call('POST', 'mlflow/runs/search', {
          experiment_ids: input.experimentIds,
          filter: clauses.length > 0 ? clauses.join(' and ') : undefined,
          order_by: orderBy,
          max_results: input.pageSize,
          page_token: pageToken,
        })
        .catch((error: unknown) => {
          throw this.fail(error, 'search runs');
        });
      const page = list(answer.runs);
      runs.push(...page.map(decodeRun));
      // A full page always carries a token, even when it is the last one: the next answer is then empty.
      pageToken = page.length > 0 && answer.next_page_token ? text(answer.next_page_token) : undefined;
    } while (pageToken);

    const selected =
      input.status && input.status.length > 1
        ? runs.filter((run) => input.status?.includes(run.info.status))
        : runs;
    if (input.orderBy) return selected;
    selected.sort((a, b) => b.info.startTime - a.info.startTime || compareText(a.info.runId, b.info.runId));
    if (metric !== undefined)
      selected.sort((a, b) => compareMetricDesc(a.metrics[metric], b.metrics[metric]));
    return selected;
  }

  async logArtifact(runId: string, path: string, data: string | Uint8Array): Promise<void> {
    const repository = await this.artifacts(runId);
    await repository
      .put(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
      .catch((error: unknown) => {
        throw this.fail(error, `upload artifact "${path}" of run ${runId}`);
      });
  }

  async readArtifact(runId: string, path: string): Promise<Buffer> {
    const repository = await this.artifacts(runId);
    return repository.get(path).catch((error: unknown) => {
      throw this.fail(error, `download artifact "${path}" of run ${runId}`);
    });
  }

  async listArtifacts(runId: string, path = ''): Promise<string[]> {
    const repository = await this.artifacts(runId);
    return repository.list(path).catch((error: unknown) => {
      throw this.fail(error, `list the artifacts of run ${runId}`);
    });
  }

  /** The repository at the run's `artifact_uri`, which the run's creation or last read told. */
  private async artifacts(runId: string): Promise<ArtifactRepository> {
    validateRunId(runId);
    const uri = this.artifactUris.get(runId) ?? (await this.getRun(runId)).info.artifactUri;
    return artifactRepository(uri, runId, { http: this.http, ...this.artifactAccess });
  }

  private async findExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const answer = await this.http.call('GET', 'mlflow/experiments/get-by-name', { experiment_name: name });
      return decodeExperiment(answer.experiment);
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw this.fail(error, `look up experiment "${name}"`);
    }
  }

  private requireActive(experiment: Experiment): Experiment {
    if (experiment.lifecycleStage === 'active') return experiment;
    throw new UserError(
      `experiment "${experiment.name}" (${experiment.experimentId}) exists in the deleted state`,
      'restore it with `mlflow experiments restore`, or delete it for good on the server',
    );
  }

  private async post(endpoint: string, body: JsonObject, action: string): Promise<JsonObject> {
    try {
      return await this.http.call('POST', endpoint, body);
    } catch (error) {
      throw this.fail(error, action);
    }
  }

  private async postRun(
    runId: string,
    endpoint: string,
    body: JsonObject,
    action: string,
  ): Promise<JsonObject> {
    try {
      return await this.http.call('POST', endpoint, body);
    } catch (error) {
      throw this.runError(error, runId, action);
    }
  }

  /** A missing run is named as the FileStore names it. */
  private runError(error: unknown, runId: string, action: string): Error {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) {
      return new UserError(
        `run ${runId} is not in the tracking store ${this.uri}`,
        'check the run id and the tracking URI (MLFLOW_TRACKING_URI)',
        EXIT_CODES.notFound,
      );
    }
    return this.fail(error, action);
  }

  private fail(error: unknown, action: string): Error {
    return storeError(error, this.uri, action);
  }
}

function metricJson(point: MetricPoint): JsonObject {
  return { key: point.key, value: point.value, timestamp: point.timestamp, step: point.step };
}

/** A key in MLflow's search language: bare when it is a plain word, in backticks otherwise. */
function identifier(key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return key;
  if (key.includes('`'))
    throw new UserError(`cannot search by the key "${key}"`, 'use a key without backticks');
  return `\`${key}\``;
}

/** A string in MLflow's search language: single quotes, or double quotes when it holds a single quote. */
function literal(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new UserError(
    `cannot search for the value "${value}"`,
    'search for values without both kinds of quote',
  );
}
