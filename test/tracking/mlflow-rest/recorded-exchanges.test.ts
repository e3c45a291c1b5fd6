import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { EXIT_CODES, UserError } from '../../../src/core/errors/index.js';
import { resolveModelUri } from '../../../src/core/tracking/model-uri.js';
import { openMlflowServer, type MlflowServer } from '../../../src/core/tracking/mlflow-rest/index.js';
import type { MetricPoint } from '../../../src/core/tracking/types.js';
import { loadExchanges, RecordedExchangeReplay } from './recorded-replay.js';

/**
 * The REST client against the real MLflow 2.11.3 exchanges of `shared/fixtures/mlflow-2.11.3/exchanges.jsonl`
 * (its README lists them). Each case queues the exchanges the call must make: the replay checks that every
 * request equals the recorded one, and the case checks what the client made of the recorded answer. The
 * expected values are read off the recording (README table and quirks), not computed by the client's code.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let replay: RecordedExchangeReplay;
const exchanges = loadExchanges();
const request = (name: string): Json => replay.exchange(name).request_body as Json;
const answer = (name: string): Json => replay.exchange(name).response_body as Json;
const bytesOf = (name: string, side: 'request' | 'response'): Buffer =>
  Buffer.from((side === 'request' ? request(name) : answer(name))._bytes_base64 as string, 'base64');

// Ids as the server gave them in the recording.
const RUN_1 = (exchanges.find((e) => e.name === 'run_create_xgb')?.response_body as Json).run.info
  .run_id as string;
const RUN_2 = (exchanges.find((e) => e.name === 'run_create_rf')?.response_body as Json).run.info
  .run_id as string;
const RUN_3 = (exchanges.find((e) => e.name === 'run_create_lr_minimal')?.response_body as Json).run.info
  .run_id as string;
const MODEL = 'HealthPredict_XGBoost';

function server(): MlflowServer {
  return openMlflowServer(replay.url, { env: {}, retry: { maxRetries: 0 } });
}

/** Runs `work` with these exchanges queued, and checks every request matched and every exchange was made. */
async function replayed<T>(names: string[], work: (backends: MlflowServer) => Promise<T>): Promise<T> {
  replay.queue(...names);
  const result = await work(server());
  expect(replay.mismatches).toEqual([]);
  expect(replay.pending()).toEqual([]);
  return result;
}

async function refusedBeforeSending(work: (backends: MlflowServer) => Promise<unknown>): Promise<UserError> {
  const error = await work(server()).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(UserError);
  expect(replay.received).toEqual([]);
  return error as UserError;
}

function points(name: string): MetricPoint[] {
  return (request(name).metrics as Json[]).map((m) => ({
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step,
  }));
}

function record(list: Json[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((item) => [item.key, item.value]));
}

beforeAll(async () => {
  replay = await RecordedExchangeReplay.start(exchanges);
});
afterEach(() => replay.reset());
afterAll(async () => {
  await replay.close();
});

describe('the server and experiments', () => {
  it('reads the server version after its health check (health, version)', async () => {
    const version = await replayed(['health', 'version'], (s) => s.tracking.serverVersion());
    expect(version).toBe('2.11.3');
  });

  it('reads a missing experiment as undefined (exp_get_by_name_missing: 404)', async () => {
    const found = await replayed(['exp_get_by_name_missing'], (s) =>
      s.tracking.getExperimentByName('HealthPredict_Training'),
    );
    expect(found).toBeUndefined();
  });

  it('creates a missing experiment with its tags and reads it back (exp_create returns only the id)', async () => {
    const experiment = await replayed(['exp_get_by_name_missing', 'exp_create', 'exp_get'], (s) =>
      s.tracking.getOrCreateExperiment('HealthPredict_Training', {
        project: 'HealthPredict',
        dataset: 'diabetic_data',
      }),
    );
    expect(experiment).toMatchObject({
      experimentId: '1',
      name: 'HealthPredict_Training',
      artifactLocation: 'mlflow-artifacts:/1',
      lifecycleStage: 'active',
      tags: { project: 'HealthPredict', dataset: 'diabetic_data' },
    });
    expect(experiment.creationTime).toBeGreaterThan(1.7e12);
  });

  it('takes the experiment another client created first (exp_create_duplicate: 400 RESOURCE_ALREADY_EXISTS)', async () => {
    const experiment = await replayed(
      ['exp_get_by_name_missing', 'exp_create_duplicate', 'exp_get_by_name'],
      (s) => s.tracking.getOrCreateExperiment('HealthPredict_Training'),
    );
    expect(experiment.experimentId).toBe('1');
  });

  it('gets an experiment by name and by id (exp_get_by_name, exp_get)', async () => {
    const byName = await replayed(['exp_get_by_name'], (s) =>
      s.tracking.getExperimentByName('HealthPredict_Training'),
    );
    const byId = await replayed(['exp_get'], (s) => s.tracking.getExperiment('1'));
    expect(byName?.experimentId).toBe('1');
    expect(byId.name).toBe('HealthPredict_Training');
  });

  it('searches experiments by filter and through pages (exp_search_filter, exp_search_page1/2)', async () => {
    const filtered = await replayed(['exp_search_filter'], (s) =>
      s.tracking.searchExperiments({ filter: "name = 'HealthPredict_Training'", pageSize: 10 }),
    );
    expect(filtered.map((e) => e.experimentId)).toEqual(['1']);
    const paged = await replayed(['exp_search_page1', 'exp_search_page2'], (s) =>
      s.tracking.searchExperiments({ orderBy: ['creation_time DESC'], pageSize: 1 }),
    );
    // Page 2 holds the Default experiment, which has no tags key at all.
    expect(paged.map((e) => [e.experimentId, e.name, e.tags])).toEqual([
      ['1', 'HealthPredict_Training', { project: 'HealthPredict', dataset: 'diabetic_data' }],
      ['0', 'Default', {}],
    ]);
  });

  it('sets an experiment tag, appended after the others (exp_set_tag, exp_get_after_tag)', async () => {
    await replayed(['exp_set_tag'], (s) => s.tracking.setExperimentTag('1', 'owner', 'mlops-team'));
    const experiment = await replayed(['exp_get_after_tag'], (s) => s.tracking.getExperiment('1'));
    expect(Object.entries(experiment.tags)).toEqual([
      ['project', 'HealthPredict'],
      ['dataset', 'diabetic_data'],
      ['owner', 'mlops-team'],
    ]);
  });

  it('refuses an experiment tag of 5,001 characters before the server does (exp_set_tag_value_5001)', async () => {
    const error = await refusedBeforeSending((s) =>
      s.tracking.setExperimentTag('1', 'notes', 'n'.repeat(5001)),
    );
    expect(error.message).toContain('limit of 5000');
  });
});

describe('runs', () => {
  it('creates runs with the name, user, start time and tags (run_create_xgb, run_create_rf)', async () => {
    const xgb = request('run_create_xgb');
    const run = await replayed(['run_create_xgb'], (s) =>
      s.tracking.createRun({
        experimentId: '1',
        runName: 'xgboost_hpo_best',
        startTime: xgb.start_time,
        userId: 'healthpredict-ci',
        tags: record(xgb.tags),
      }),
    );
    expect(run.info).toEqual({
      runId: RUN_1,
      experimentId: '1',
      runName: 'xgboost_hpo_best',
      status: 'RUNNING',
      startTime: xgb.start_time,
      endTime: null,
      artifactUri: `mlflow-artifacts:/1/${RUN_1}/artifacts`,
      lifecycleStage: 'active',
    });
    expect(run.metrics).toEqual({});
    expect(run.params).toEqual({});

    const rf = request('run_create_rf');
    const second = await replayed(['run_create_rf'], (s) =>
      s.tracking.createRun({
        experimentId: '1',
        runName: 'random_forest',
        startTime: rf.start_time,
        userId: 'healthpredict-ci',
        tags: { 'mlflow.runName': 'random_forest', model_name: 'RandomForest' },
      }),
    );
    expect(second.info.runId).toBe(RUN_2);
  });

  it('always sends start_time, which the server would otherwise store as 0 (run_create_lr_minimal)', async () => {
    const lenient = await RecordedExchangeReplay.start(exchanges, { lenient: true });
    try {
      lenient.queue('run_create_lr_minimal');
      const before = Date.now();
      const { tracking } = openMlflowServer(lenient.url, { env: {}, retry: { maxRetries: 0 } });
      const run = await tracking.createRun({ experimentId: '1', runName: 'logistic_regression' });
      const sent = JSON.parse(lenient.received[0].body.toString('utf8')) as Json;
      expect(sent.start_time).toBeGreaterThanOrEqual(before);
      // The recorded answer to the request without it: start_time 0 and user_id "".
      expect(run.info.startTime).toBe(0);
      expect(run.tags['mlflow.runName']).toBe('logistic_regression');
    } finally {
      await lenient.close();
    }
  });

  it('refuses a run name that differs from its mlflow.runName tag, as the server would (run_create_name_mismatch)', async () => {
    await refusedBeforeSending((s) =>
      s.tracking.createRun({ experimentId: '1', runName: 'a', tags: { 'mlflow.runName': 'b' } }),
    );
  });

  it('logs batches of params, metric histories and tags (run_log_batch_xgb, _rf, _lr)', async () => {
    const xgb = request('run_log_batch_xgb');
    await replayed(['run_log_batch_xgb'], (s) =>
      s.tracking.logBatch(RUN_1, {
        params: record(xgb.params),
        metrics: points('run_log_batch_xgb'),
        tags: record(xgb.tags),
      }),
    );
    for (const [name, runId] of [
      ['run_log_batch_rf', RUN_2],
      ['run_log_batch_lr', RUN_3],
    ]) {
      await replayed([name], (s) =>
        s.tracking.logBatch(runId, { params: record(request(name).params), metrics: points(name) }),
      );
    }
  });

  it('logs one metric and one param; the same param value again is fine (run_log_metric, run_log_param, _same_value)', async () => {
    const metric = request('run_log_metric');
    await replayed(['run_log_metric'], (s) =>
      s.tracking.logMetric(RUN_1, { key: 'test_auc', value: 0.83, timestamp: metric.timestamp, step: 0 }),
    );
    await replayed(['run_log_param'], (s) => s.tracking.logParam(RUN_1, 'early_stopping_rounds', '10'));
    await replayed(['run_log_param_same_value'], (s) =>
      s.tracking.logParam(RUN_1, 'early_stopping_rounds', 10),
    );
  });

  it('turns a changed param into a user error (run_log_param_changed_value: 400 INVALID_PARAMETER_VALUE)', async () => {
    const error = await replayed(['run_log_param_changed_value'], (s) =>
      s.tracking.logParam(RUN_1, 'early_stopping_rounds', '20').catch((failure: unknown) => failure),
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(EXIT_CODES.usage);
    expect((error as UserError).message).toContain('INVALID_PARAMETER_VALUE');
  });

  it('sets a tag and ends runs (run_set_tag_best, run_update_finished_*)', async () => {
    await replayed(['run_set_tag_best'], (s) => s.tracking.setTag(RUN_1, 'best_hpo_model', 'True'));
    for (const [name, runId] of [
      ['run_update_finished_xgb', RUN_1],
      ['run_update_finished_rf', RUN_2],
      ['run_update_finished_lr', RUN_3],
    ]) {
      await replayed([name], (s) => s.tracking.updateRun(runId, 'FINISHED', request(name).end_time));
    }
  });

  it('reads a run: the latest value of each metric, params and tags (run_get)', async () => {
    const run = await replayed(['run_get'], (s) => s.tracking.getRun(RUN_1));
    // From run_log_batch_xgb (val_auc's step 4 is 0.84) and run_log_metric (test_auc 0.83).
    expect(run.metrics).toEqual({ val_auc: 0.84, val_accuracy: 0.78, val_f1: 0.61, test_auc: 0.83 });
    expect(run.params).toMatchObject({
      max_depth: '6',
      objective: 'binary:logistic',
      early_stopping_rounds: '10',
    });
    expect(Object.keys(run.params)).toHaveLength(11);
    expect(run.tags).toMatchObject({ best_hpo_model: 'True', stage: 'hpo', model_name: 'XGBoost' });
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.endTime).toBe(request('run_update_finished_xgb').end_time);
  });

  it('searches runs by tag (run_search_best_tag)', async () => {
    const runs = await replayed(['run_search_best_tag'], (s) =>
      s.tracking.searchRuns({ experimentIds: ['1'], tags: { best_hpo_model: 'True' }, pageSize: 10 }),
    );
    expect(runs.map((run) => run.info.runId)).toEqual([RUN_1]);
  });

  it('follows pages until an empty one, as a full last page still carries a token (run_search_auc_page1-3)', async () => {
    const runs = await replayed(
      ['run_search_auc_page1', 'run_search_auc_page2', 'run_search_auc_page3'],
      (s) =>
        s.tracking.searchRuns({
          experimentIds: ['1'],
          filter: 'metrics.val_auc > 0.6',
          orderBy: ['metrics.val_auc DESC'],
          pageSize: 1,
        }),
    );
    // val_auc 0.84 (XGBoost) then 0.79 (RandomForest); LogisticRegression's 0.58 is filtered out.
    expect(runs.map((run) => [run.info.runId, run.metrics.val_auc])).toEqual([
      [RUN_1, 0.84],
      [RUN_2, 0.79],
    ]);
  });

  it('reads an answer of {} as no runs (run_search_no_match)', async () => {
    const runs = await replayed(['run_search_no_match'], (s) =>
      s.tracking.searchRuns({ experimentIds: ['1'], filter: 'metrics.val_auc > 0.99' }),
    );
    expect(runs).toEqual([]);
  });

  it('reads a metric history, and {} for a key never logged (metric_history, metric_history_unknown_key)', async () => {
    const history = await replayed(['metric_history'], (s) => s.tracking.getMetricHistory(RUN_1, 'val_auc'));
    expect(history.map((point) => [point.step, point.value])).toEqual([
      [0, 0.71],
      [1, 0.76],
      [2, 0.8],
      [3, 0.82],
      [4, 0.84],
    ]);
    expect(history[0].timestamp).toBe(request('run_log_batch_xgb').metrics[0].timestamp);
    const none = await replayed(['metric_history_unknown_key'], (s) =>
      s.tracking.getMetricHistory(RUN_1, 'no_such_metric'),
    );
    expect(none).toEqual([]);
  });

  it('deletes and restores a run (run_delete, run_get_deleted, run_restore, run_get_restored)', async () => {
    await replayed(['run_delete'], (s) => s.tracking.deleteRun(RUN_3));
    const deleted = await replayed(['run_get_deleted'], (s) => s.tracking.getRun(RUN_3));
    expect(deleted.info.lifecycleStage).toBe('deleted');
    // Created without start_time, the run keeps start_time 0 (quirk 6).
    expect(deleted.info.startTime).toBe(0);
    await replayed(['run_restore'], (s) => s.tracking.restoreRun(RUN_3));
    const restored = await replayed(['run_get_restored'], (s) => s.tracking.getRun(RUN_3));
    expect(restored.info.lifecycleStage).toBe('active');
  });

  it('names a missing run as the FileStore does (run_update_bad_id, run_get_bad_id: 404)', async () => {
    const badId = '0123456789abcdef0123456789abcdef';
    for (const [name, work] of [
      [
        'run_update_bad_id',
        (s: MlflowServer) => s.tracking.updateRun(badId, 'FINISHED', request('run_update_bad_id').end_time),
      ],
      ['run_get_bad_id', (s: MlflowServer) => s.tracking.getRun(badId)],
    ] as const) {
      const error = await replayed([name], (s) => work(s).catch((failure: unknown) => failure));
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(EXIT_CODES.notFound);
      expect((error as UserError).message).toBe(`run ${badId} is not in the tracking store ${replay.url}`);
    }
  });

  it('logs a param of exactly 6,000 characters (log_param_value_6000)', async () => {
    await replayed(['log_param_value_6000'], (s) =>
      s.tracking.logParam(RUN_2, 'feature_list', 'f'.repeat(6000)),
    );
  });

  it('refuses the values the server would silently truncate (log_param_value_6001, set_tag_value_5001)', async () => {
    await refusedBeforeSending((s) => s.tracking.logParam(RUN_2, 'feature_list_long', 'f'.repeat(6001)));
    await refusedBeforeSending((s) => s.tracking.setTag(RUN_2, 'notes', 'n'.repeat(5001)));
    // Why: the server accepted both with 200 and stored shortened values (run_get_after_truncation).
    const run = await replayed(['run_get_after_truncation'], (s) => s.tracking.getRun(RUN_2));
    expect([
      run.params.feature_list.length,
      run.params.feature_list_long.length,
      run.tags.notes.length,
    ]).toEqual([6000, 6000, 5000]);
  });
});

describe('artifacts through the mlflow-artifacts proxy', () => {
  it('uploads files under the run artifact URI, each with its content type (artifact_put_*)', async () => {
    const { tracking } = server();
    replay.queue('run_get', 'artifact_put_mlmodel', 'artifact_put_model_json', 'artifact_put_png');
    await tracking.logArtifact(RUN_1, 'model/MLmodel', bytesOf('artifact_put_mlmodel', 'request'));
    await tracking.logArtifact(
      RUN_1,
      'model/model.json',
      bytesOf('artifact_put_model_json', 'request').toString('utf8'),
    );
    await tracking.logArtifact(RUN_1, 'confusion_matrix.png', bytesOf('artifact_put_png', 'request'));
    expect(replay.mismatches).toEqual([]);
    expect(replay.pending()).toEqual([]);
  });

  it('lists files recursively, relative to the artifact root (artifact_list_proxy_root, _model, _missing_dir)', async () => {
    const all = await replayed(['run_get', 'artifact_list_proxy_root', 'artifact_list_proxy_model'], (s) =>
      s.tracking.listArtifacts(RUN_1),
    );
    expect(all).toEqual(['confusion_matrix.png', 'model/MLmodel', 'model/model.json']);
    const model = await replayed(['run_get', 'artifact_list_proxy_model'], (s) =>
      s.tracking.listArtifacts(RUN_1, 'model'),
    );
    expect(model).toEqual(['model/MLmodel', 'model/model.json']);
    const none = await replayed(['run_get', 'artifact_list_proxy_missing_dir'], (s) =>
      s.tracking.listArtifacts(RUN_1, 'no_such_dir'),
    );
    expect(none).toEqual([]);
  });

  it('downloads the bytes as stored (artifact_download_mlmodel, _model_json, _png)', async () => {
    const { tracking } = server();
    replay.queue(
      'run_get',
      'artifact_download_mlmodel',
      'artifact_download_model_json',
      'artifact_download_png',
    );
    expect(await tracking.readArtifact(RUN_1, 'model/MLmodel')).toEqual(
      bytesOf('artifact_download_mlmodel', 'response'),
    );
    const json = await tracking.readArtifact(RUN_1, 'model/model.json');
    expect(JSON.parse(json.toString('utf8')).learner.attributes.best_score).toBe('0.84');
    expect((await tracking.readArtifact(RUN_1, 'confusion_matrix.png')).subarray(1, 4).toString()).toBe(
      'PNG',
    );
    expect(replay.mismatches).toEqual([]);
  });

  it('tells a missing file from a failing server by listing its folder (artifact_download_missing: 500)', async () => {
    const error = await replayed(['run_get', 'artifact_download_missing', 'artifact_list_proxy_model'], (s) =>
      s.tracking.readArtifact(RUN_1, 'model/missing.pkl').catch((failure: unknown) => failure),
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(EXIT_CODES.notFound);
    expect((error as UserError).message).toBe(`run ${RUN_1} has no artifact "model/missing.pkl"`);
  });
});

describe('the model registry', () => {
  it('names a missing model as the FileStore does (rm_get_latest_production_no_model, mv_create_unknown_model: 404)', async () => {
    const latest = await replayed(['rm_get_latest_production_no_model'], (s) =>
      s.registry.getLatestVersions(MODEL, ['Production']).catch((failure: unknown) => failure),
    );
    expect((latest as UserError).message).toBe(
      `registered model "${MODEL}" is not in the registry ${replay.url}`,
    );
    const created = await replayed(['mv_create_unknown_model'], (s) =>
      s.registry
        .createModelVersion({
          name: 'HealthPredict_Unknown',
          source: request('mv_create_unknown_model').source,
          runId: RUN_1,
        })
        .catch((failure: unknown) => failure),
    );
    expect((created as UserError).exitCode).toBe(EXIT_CODES.notFound);
  });

  it('creates a registered model with a description and tags (rm_create)', async () => {
    const model = await replayed(['rm_create'], (s) =>
      s.registry.createRegisteredModel(MODEL, {
        description: 'XGBoost readmission classifier (HealthPredict)',
        tags: { task: 'readmission_30d', framework: 'xgboost' },
      }),
    );
    expect(model).toMatchObject({
      name: MODEL,
      tags: { task: 'readmission_30d', framework: 'xgboost' },
      aliases: {},
    });
  });

  it('ensures a model by creating it and reading the existing one on RESOURCE_ALREADY_EXISTS (rm_create_duplicate, rm_get)', async () => {
    const model = await replayed(['rm_create_duplicate', 'rm_get'], (s) =>
      s.registry.ensureRegisteredModel(MODEL),
    );
    expect(model.description).toBe('XGBoost readmission classifier (HealthPredict)');
  });

  it('searches and updates registered models (rm_search, rm_update_description)', async () => {
    const found = await replayed(['rm_search'], (s) =>
      s.registry.searchRegisteredModels("name LIKE 'HealthPredict%'", 10),
    );
    expect(found.map((model) => model.name)).toEqual([MODEL]);
    const updated = await replayed(['rm_update_description'], (s) =>
      s.registry.updateRegisteredModel(
        MODEL,
        'XGBoost 30-day readmission classifier, trained on diabetic_data',
      ),
    );
    expect(updated.description).toBe('XGBoost 30-day readmission classifier, trained on diabetic_data');
  });

  it('creates and reads versions; a description never given reads as null (mv_create_1, mv_get_1, mv_create_2_runs_uri, mv_get_2)', async () => {
    const first = await replayed(['mv_create_1'], (s) =>
      s.registry.createModelVersion({
        name: MODEL,
        source: `mlflow-artifacts:/1/${RUN_1}/artifacts/model`,
        runId: RUN_1,
        description: 'HPO best trial',
        tags: { val_auc: '0.84' },
      }),
    );
    expect(first).toMatchObject({
      version: '1',
      currentStage: 'None',
      status: 'READY',
      tags: { val_auc: '0.84' },
      aliases: [],
    });
    expect((await replayed(['mv_get_1'], (s) => s.registry.getModelVersion(MODEL, '1')))?.description).toBe(
      'HPO best trial',
    );

    const second = await replayed(['mv_create_2_runs_uri'], (s) =>
      s.registry.createModelVersion({ name: MODEL, source: `runs:/${RUN_1}/model`, runId: RUN_1 }),
    );
    expect(second).toMatchObject({
      version: '2',
      description: null,
      tags: {},
      source: `runs:/${RUN_1}/model`,
    });
    expect((await replayed(['mv_get_2'], (s) => s.registry.getModelVersion(MODEL, '2')))?.tags).toEqual({});
  });

  it('moves versions through stages, archiving the previous Production one (mv_transition_*, rm_get_latest_*)', async () => {
    expect(
      await replayed(['rm_get_latest_production_before'], (s) =>
        s.registry.getLatestVersions(MODEL, ['Production']),
      ),
    ).toEqual([]);
    const staged = await replayed(['mv_transition_1_staging'], (s) =>
      s.registry.transitionStage(MODEL, '1', 'Staging', true),
    );
    expect(staged.currentStage).toBe('Staging');
    await replayed(['mv_transition_1_production'], (s) =>
      s.registry.transitionStage(MODEL, '1', 'Production', true),
    );
    const afterFirst = await replayed(['rm_get_latest_production_after_v1'], (s) =>
      s.registry.getLatestVersions(MODEL, ['Production']),
    );
    expect(afterFirst.map((v) => v.version)).toEqual(['1']);
    await replayed(['mv_transition_2_production'], (s) =>
      s.registry.transitionStage(MODEL, '2', 'Production', true),
    );
    expect(
      (await replayed(['mv_get_1_after_archive'], (s) => s.registry.getModelVersion(MODEL, '1')))
        ?.currentStage,
    ).toBe('Archived');
    const afterSecond = await replayed(['rm_get_latest_production_after_v2'], (s) =>
      s.registry.getLatestVersions(MODEL, ['Production']),
    );
    expect(afterSecond.map((v) => v.version)).toEqual(['2']);
    const everyStage = await replayed(['rm_get_latest_all_stages_get'], (s) =>
      s.registry.getLatestVersions(MODEL),
    );
    expect(everyStage.map((v) => [v.version, v.currentStage])).toEqual([
      ['1', 'Archived'],
      ['2', 'Production'],
    ]);
  });

  it('refuses an unknown stage before sending, as the server would (mv_transition_bad_stage)', async () => {
    await refusedBeforeSending((s) => s.registry.transitionStage(MODEL, '2', 'Prod' as 'Production', false));
  });

  it('sets and reads an alias; a version lists its aliases as strings (alias_set_champion, alias_get_champion)', async () => {
    await replayed(['alias_set_champion'], (s) => s.registry.setAlias(MODEL, 'champion', '2'));
    const champion = await replayed(['alias_get_champion'], (s) =>
      s.registry.getVersionByAlias(MODEL, 'champion'),
    );
    expect(champion).toMatchObject({ version: '2', aliases: ['champion'], currentStage: 'Production' });
  });

  it('reads the 400 for a missing alias as "not set" once the model shows no such alias (alias_get_missing)', async () => {
    const missing = await replayed(['alias_get_missing', 'rm_get_with_alias'], (s) =>
      s.registry.getVersionByAlias(MODEL, 'challenger'),
    );
    expect(missing).toBeUndefined();
  });

  it('reads a model with aliases as {alias, version} objects (rm_get_with_alias)', async () => {
    const model = await replayed(['rm_get_with_alias'], (s) => s.registry.getRegisteredModel(MODEL));
    expect(model?.aliases).toEqual({ champion: '2' });
  });

  it('deletes an alias with a JSON body (alias_delete_champion, alias_get_after_delete)', async () => {
    await replayed(['alias_delete_champion'], (s) => s.registry.deleteAlias(MODEL, 'champion'));
    const after = await replayed(['alias_get_after_delete', 'rm_get_after_mv_delete'], (s) =>
      s.registry.getVersionByAlias(MODEL, 'champion'),
    );
    expect(after).toBeUndefined();
  });

  it('tags a version and lists versions oldest first, through pages (mv_set_tag, mv_search, mv_search_page1/2)', async () => {
    await replayed(['mv_set_tag'], (s) =>
      s.registry.setVersionTag(MODEL, '2', 'validation_status', 'approved'),
    );
    const all = await replayed(['mv_search'], (s) => s.registry.listModelVersions(MODEL));
    // The server answers newest first ("2", "1"); the FileStore registry lists oldest first.
    expect(all.map((v) => [v.version, v.tags])).toEqual([
      ['1', { val_auc: '0.84' }],
      ['2', { validation_status: 'approved' }],
    ]);
    const paged = await replayed(['mv_search_page1', 'mv_search_page2'], (s) =>
      s.registry.listModelVersions(MODEL, 1),
    );
    expect(paged.map((v) => v.version)).toEqual(['1', '2']);
  });

  it('resolves download URIs, a runs:/ source to the run artifact URI (mv_get_download_uri_1, _2)', async () => {
    const expected = `mlflow-artifacts:/1/${RUN_1}/artifacts/model`;
    expect(
      await replayed(['mv_get_download_uri_1'], (s) => s.registry.getModelVersionDownloadUri(MODEL, '1')),
    ).toBe(expected);
    expect(
      await replayed(['mv_get_download_uri_2', 'run_get'], (s) =>
        s.registry.getModelVersionDownloadUri(MODEL, '2'),
      ),
    ).toBe(expected);
  });

  it('deletes a version, which then reads as undefined (mv_delete_1, mv_get_deleted_1, rm_get_after_mv_delete)', async () => {
    await replayed(['mv_delete_1'], (s) => s.registry.deleteModelVersion(MODEL, '1'));
    expect(
      await replayed(['mv_get_deleted_1'], (s) => s.registry.getModelVersion(MODEL, '1')),
    ).toBeUndefined();
    const model = await replayed(['rm_get_after_mv_delete'], (s) => s.registry.getRegisteredModel(MODEL));
    expect(model).toMatchObject({ aliases: {}, tags: { task: 'readmission_30d', framework: 'xgboost' } });
    expect(
      await replayed(['rm_get_missing'], (s) => s.registry.getRegisteredModel('HealthPredict_Missing')),
    ).toBeUndefined();
  });
});

describe('model URIs on the server', () => {
  const stores = (s: MlflowServer) => ({ tracking: s.tracking, registry: s.registry });

  it('resolves models:/NAME@ALIAS through the alias to the run files (runs:/ source)', async () => {
    const resolved = await replayed(
      ['rm_get_with_alias', 'alias_get_champion', 'run_get', 'artifact_list_proxy_model'],
      (s) => resolveModelUri(`models:/${MODEL}@champion`, stores(s)),
    );
    expect(resolved).toEqual({ runId: RUN_1, artifactPath: 'model', name: MODEL, version: '2' });
  });

  it('resolves models:/NAME/VERSION whose source is a mlflow-artifacts: URI', async () => {
    const resolved = await replayed(
      ['rm_get', 'mv_search', 'mv_get_1', 'run_get', 'run_get', 'artifact_list_proxy_model'],
      (s) => resolveModelUri(`models:/${MODEL}/1`, stores(s)),
    );
    expect(resolved).toEqual({ runId: RUN_1, artifactPath: 'model', name: MODEL, version: '1' });
  });

  it('resolves runs:/RUN/PATH and mlflow-artifacts:/EXP/RUN/artifacts/PATH to the same files', async () => {
    const byRun = await replayed(['run_get', 'artifact_list_proxy_model'], (s) =>
      resolveModelUri(`runs:/${RUN_1}/model`, stores(s)),
    );
    const byProxy = await replayed(['run_get', 'run_get', 'artifact_list_proxy_model'], (s) =>
      resolveModelUri(`mlflow-artifacts:/1/${RUN_1}/artifacts/model`, stores(s)),
    );
    expect(byRun).toEqual({ runId: RUN_1, artifactPath: 'model' });
    expect(byProxy).toEqual(byRun);
  });
});
