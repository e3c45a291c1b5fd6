import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ModelRegistry } from '../../src/core/registry/types.js';
import { FileModelRegistry } from '../../src/core/registry/file-store.js';
import { openTracking } from '../../src/core/tracking/index.js';
import { resolveDownloadUri, resolveModelUri } from '../../src/core/tracking/model-uri.js';
import {
  openMlflowServer,
  type MlflowRestModelRegistry,
  type MlflowRestTrackingStore,
} from '../../src/core/tracking/mlflow-rest/index.js';
import type { MetricPoint, TrackingStore } from '../../src/core/tracking/types.js';
import { loadExchanges, RecordedExchangeReplay } from '../tracking/mlflow-rest/recorded-replay.js';

/**
 * The recorded MLflow 2.11.3 session, step by step, on both tracking stores: the REST client against a
 * replay of the recorded exchanges (so its results are what the real server answered), and the FileStore
 * given the same inputs. After ids, creation times and the artifact root are named alike, every step's result
 * must be equal: the FileStore behaves as the server did, and the client reads the server as the FileStore
 * would answer. Steps the FileStore has no call for (experiment tags, restoring runs, deleting versions,
 * latest versions per stage, server-side filters) are left out on both sides, with the exchanges that depend
 * on them.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Side {
  kind: 'rest' | 'file';
  tracking: TrackingStore;
  registry: ModelRegistry;
  ids: Map<string, string>;
}

interface Step {
  name: string;
  exchanges: string[];
  run: (side: Side) => Promise<unknown>;
}

const exchanges = loadExchanges();
const recorded = (name: string) => exchanges.find((e) => e.name === name) as (typeof exchanges)[number];
const request = (name: string): Json => recorded(name).request_body as Json;
const bytes = (name: string) => Buffer.from(request(name)._bytes_base64 as string, 'base64');
const pairs = (list: Json[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((item) => [item.key, item.value]));
const points = (name: string): MetricPoint[] =>
  (request(name).metrics as Json[]).map((m) => ({
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step,
  }));
const MODEL = 'HealthPredict_XGBoost';

/** The side's own id for a label given when the side created it. */
function id(side: Side, label: string): string {
  for (const [value, name] of side.ids) if (name === label) return value;
  throw new Error(`no ${label} yet`);
}

async function outcome(work: Promise<unknown>): Promise<unknown> {
  try {
    return await work;
  } catch (error) {
    return { error: (error as Error).name, exitCode: (error as { exitCode?: number }).exitCode };
  }
}

const runInput = (name: string, runName: string, userId: string | undefined, startTime: number) => ({
  experimentId: '',
  runName,
  startTime,
  userId,
  tags: pairs(request(name).tags),
});

const STEPS: Step[] = [
  {
    name: 'create the experiment',
    exchanges: ['exp_get_by_name_missing', 'exp_create', 'exp_get'],
    run: async (side) => {
      const experiment = await side.tracking.getOrCreateExperiment(
        'HealthPredict_Training',
        pairs(request('exp_create').tags),
      );
      side.ids.set(experiment.experimentId, '<experiment>');
      return experiment;
    },
  },
  {
    name: 'find it by name',
    exchanges: ['exp_get_by_name'],
    run: (side) => side.tracking.getExperimentByName('HealthPredict_Training'),
  },
  ...(
    [
      ['run_create_xgb', 'xgboost_hpo_best', 'healthpredict-ci', '<run 1>'],
      ['run_create_rf', 'random_forest', 'healthpredict-ci', '<run 2>'],
      ['run_create_lr_minimal', 'logistic_regression', undefined, '<run 3>'],
    ] as const
  ).map(([name, runName, userId, label]) => ({
    name: `create run ${label}`,
    exchanges: [name],
    run: async (side: Side) => {
      // The recorded run 3 was created without start_time and has 0; the FileStore is given 0.
      const start = (request(name).start_time as number | undefined) ?? 0;
      const run = await side.tracking.createRun({
        ...runInput(name, runName, userId, start),
        experimentId: id(side, '<experiment>'),
      });
      side.ids.set(run.info.runId, label);
      return run;
    },
  })),
  ...(['run_log_batch_xgb', 'run_log_batch_rf', 'run_log_batch_lr'] as const).map((name, index) => ({
    name: `log a batch to run ${index + 1}`,
    exchanges: [name],
    run: (side: Side) =>
      side.tracking.logBatch(id(side, `<run ${index + 1}>`), {
        params: pairs(request(name).params),
        metrics: points(name),
        tags: pairs(request(name).tags),
      }),
  })),
  {
    name: 'log one metric and one param',
    exchanges: ['run_log_metric', 'run_log_param', 'run_log_param_same_value', 'run_log_param_changed_value'],
    run: async (side) => {
      const run = id(side, '<run 1>');
      const metric = request('run_log_metric');
      const point = { key: 'test_auc', value: 0.83, timestamp: metric.timestamp as number, step: 0 };
      const rest = side.kind === 'rest' ? (side.tracking as MlflowRestTrackingStore) : undefined;
      const logParam = (value: string) =>
        rest
          ? rest.logParam(run, 'early_stopping_rounds', value)
          : side.tracking.logBatch(run, { params: { early_stopping_rounds: value } });
      await (rest ? rest.logMetric(run, point) : side.tracking.logBatch(run, { metrics: [point] }));
      return [await outcome(logParam('10')), await outcome(logParam('10')), await outcome(logParam('20'))];
    },
  },
  {
    name: 'tag and end the runs',
    exchanges: [
      'run_set_tag_best',
      'run_update_finished_xgb',
      'run_update_finished_rf',
      'run_update_finished_lr',
    ],
    run: async (side) => {
      await side.tracking.setTag(id(side, '<run 1>'), 'best_hpo_model', 'True');
      for (const [name, label] of [
        ['run_update_finished_xgb', '<run 1>'],
        ['run_update_finished_rf', '<run 2>'],
        ['run_update_finished_lr', '<run 3>'],
      ]) {
        await side.tracking.updateRun(id(side, label), 'FINISHED', request(name).end_time);
      }
    },
  },
  { name: 'read run 1', exchanges: ['run_get'], run: (side) => side.tracking.getRun(id(side, '<run 1>')) },
  {
    name: 'search by tag',
    exchanges: ['run_search_best_tag'],
    run: async (side) => {
      const input = {
        experimentIds: [id(side, '<experiment>')],
        tags: { best_hpo_model: 'True' },
        pageSize: 10,
      };
      return (await side.tracking.searchRuns(input)).map((run) => run.info.runId);
    },
  },
  {
    name: 'read metric histories',
    exchanges: ['metric_history', 'metric_history_unknown_key'],
    run: async (side) => [
      await side.tracking.getMetricHistory(id(side, '<run 1>'), 'val_auc'),
      await side.tracking.getMetricHistory(id(side, '<run 1>'), 'no_such_metric'),
    ],
  },
  {
    name: 'delete run 3',
    exchanges: ['run_delete', 'run_get_deleted'],
    run: async (side) => {
      const run = id(side, '<run 3>');
      await (side.kind === 'rest'
        ? (side.tracking as MlflowRestTrackingStore).deleteRun(run)
        : (side.tracking as unknown as { deleteRun(id: string): Promise<void> }).deleteRun(run));
      return side.tracking.getRun(run);
    },
  },
  {
    name: 'use a run id that does not exist',
    exchanges: ['run_update_bad_id', 'run_get_bad_id'],
    run: async (side) => [
      await outcome(
        side.tracking.updateRun(
          '0123456789abcdef0123456789abcdef',
          'FINISHED',
          request('run_update_bad_id').end_time,
        ),
      ),
      await outcome(side.tracking.getRun('0123456789abcdef0123456789abcdef')),
    ],
  },
  {
    name: 'log values at and over the length limits',
    exchanges: ['log_param_value_6000'],
    run: async (side) => {
      const run = id(side, '<run 2>');
      const rest = side.kind === 'rest' ? (side.tracking as MlflowRestTrackingStore) : undefined;
      const logParam = (key: string, value: string) =>
        rest ? rest.logParam(run, key, value) : side.tracking.logBatch(run, { params: { [key]: value } });
      return [
        await outcome(logParam('feature_list', 'f'.repeat(6000))),
        await outcome(logParam('feature_list_long', 'f'.repeat(6001))),
        await outcome(side.tracking.setTag(run, 'notes', 'n'.repeat(5001))),
      ];
    },
  },
  {
    name: 'upload, list and download artifacts',
    exchanges: [
      'artifact_put_mlmodel',
      'artifact_put_model_json',
      'artifact_put_png',
      'artifact_list_proxy_root',
      'artifact_list_proxy_model',
      'artifact_list_proxy_model',
      'artifact_list_proxy_missing_dir',
      'artifact_download_mlmodel',
      'artifact_download_model_json',
      'artifact_download_png',
      'artifact_download_missing',
      'artifact_list_proxy_model',
    ],
    run: async (side) => {
      const run = id(side, '<run 1>');
      await side.tracking.logArtifact(run, 'model/MLmodel', bytes('artifact_put_mlmodel'));
      await side.tracking.logArtifact(run, 'model/model.json', bytes('artifact_put_model_json'));
      await side.tracking.logArtifact(run, 'confusion_matrix.png', bytes('artifact_put_png'));
      const read = async (path: string) => (await side.tracking.readArtifact(run, path)).toString('base64');
      return {
        all: await side.tracking.listArtifacts(run),
        model: await side.tracking.listArtifacts(run, 'model'),
        none: await side.tracking.listArtifacts(run, 'no_such_dir'),
        files: [
          await read('model/MLmodel'),
          await read('model/model.json'),
          await read('confusion_matrix.png'),
        ],
        missing: await outcome(side.tracking.readArtifact(run, 'model/missing.pkl')),
      };
    },
  },
  {
    name: 'create the registered model with a description and tags',
    exchanges: ['rm_create', 'rm_create_duplicate', 'rm_get'],
    run: async (side) => {
      const { description, tags } = request('rm_create');
      if (side.kind === 'rest') {
        await (side.registry as MlflowRestModelRegistry).createRegisteredModel(MODEL, {
          description,
          tags: pairs(tags),
        });
      } else {
        await side.registry.ensureRegisteredModel(MODEL, description);
        for (const [key, value] of Object.entries(pairs(tags)))
          await (side.registry as FileModelRegistry).setRegisteredModelTag(MODEL, key, value);
      }
      return side.registry.ensureRegisteredModel(MODEL);
    },
  },
  {
    name: 'register two versions',
    exchanges: ['mv_create_unknown_model', 'mv_create_1', 'mv_get_1', 'mv_create_2_runs_uri', 'mv_get_2'],
    run: async (side) => {
      const run = id(side, '<run 1>');
      const source = `mlflow-artifacts:/${id(side, '<experiment>')}/${run}/artifacts/model`;
      const unknown = await outcome(
        side.registry.createModelVersion({ name: 'HealthPredict_Unknown', source, runId: run }),
      );
      const first = await side.registry.createModelVersion({
        name: MODEL,
        source,
        runId: run,
        description: 'HPO best trial',
        tags: { val_auc: '0.84' },
      });
      const firstRead = await side.registry.getModelVersion(MODEL, '1');
      const second = await side.registry.createModelVersion({
        name: MODEL,
        source: `runs:/${run}/model`,
        runId: run,
      });
      return [unknown, first, firstRead, second, await side.registry.getModelVersion(MODEL, '2')];
    },
  },
  {
    name: 'move versions through stages',
    exchanges: [
      'mv_transition_1_staging',
      'mv_transition_1_production',
      'mv_transition_2_production',
      'mv_get_1_after_archive',
    ],
    run: async (side) => [
      await side.registry.transitionStage(MODEL, '1', 'Staging', true),
      await side.registry.transitionStage(MODEL, '1', 'Production', true),
      await side.registry.transitionStage(MODEL, '2', 'Production', true),
      await side.registry.getModelVersion(MODEL, '1'),
      await outcome(side.registry.transitionStage(MODEL, '2', 'Prod' as 'Production', false)),
    ],
  },
  {
    name: 'set, read and delete the champion alias',
    exchanges: [
      'alias_set_champion',
      'alias_get_champion',
      'alias_get_missing',
      'rm_get_with_alias',
      'rm_get_with_alias',
      'alias_delete_champion',
    ],
    run: async (side) => {
      await side.registry.setAlias(MODEL, 'champion', '2');
      const champion = await side.registry.getVersionByAlias(MODEL, 'champion');
      const challenger = await side.registry.getVersionByAlias(MODEL, 'challenger');
      const aliases = (await side.registry.getRegisteredModel(MODEL))?.aliases;
      await side.registry.deleteAlias(MODEL, 'champion');
      return { champion, challenger, aliases };
    },
  },
  {
    name: 'tag and list the versions, and resolve their download URIs',
    exchanges: ['mv_set_tag', 'mv_search', 'run_get'],
    run: async (side) => {
      await side.registry.setVersionTag(MODEL, '2', 'validation_status', 'approved');
      const versions = await side.registry.listModelVersions(MODEL);
      return { versions, download: await resolveDownloadUri(versions[1].source, side.tracking) };
    },
  },
  {
    name: 'resolve model URIs',
    exchanges: ['run_get', 'artifact_list_proxy_model', 'run_get', 'run_get', 'artifact_list_proxy_model'],
    run: async (side) => {
      const stores = { tracking: side.tracking, registry: side.registry };
      const run = id(side, '<run 1>');
      return [
        await resolveModelUri(`runs:/${run}/model`, stores),
        await resolveModelUri(`mlflow-artifacts:/${id(side, '<experiment>')}/${run}/artifacts/model`, stores),
      ];
    },
  },
];

let dir: string;
let replay: RecordedExchangeReplay;
const transcripts: Record<'rest' | 'file', unknown[]> = { rest: [], file: [] };

const TIMES = new Set(['creationTime', 'lastUpdateTime', 'creationTimestamp', 'lastUpdatedTimestamp']);

function normalize(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const [raw, label] of ids) {
      // Run ids (32 hex digits) are safe anywhere; an experiment id ("1") only as a segment of a URI.
      text =
        label === '<experiment>'
          ? text.replace(new RegExp(`(?<=[:/])${raw}(?=/|$)`), label)
          : text.replaceAll(raw, label);
    }
    return text.replace(/^(file:\/\/\/.*\/|mlflow-artifacts:\/)(?=<experiment>)/, '<root>/');
  }
  if (Array.isArray(value)) return value.map((item) => normalize(item, ids));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        TIMES.has(key)
          ? '<ts>'
          : key === 'experimentId'
            ? (ids.get(item as string) ?? item)
            : normalize(item, ids),
      ]),
    );
  }
  return value;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hp-parity-'));
  replay = await RecordedExchangeReplay.start(exchanges, { lenientFor: ['run_create_lr_minimal'] });
  const rest = openMlflowServer(replay.url, { env: {}, retry: { maxRetries: 0 } });
  const file = openTracking(join(dir, 'mlruns'));
  const sides: Side[] = [
    { kind: 'rest', ...rest, ids: new Map() },
    { kind: 'file', ...file, ids: new Map() },
  ];
  for (const step of STEPS) {
    for (const side of sides) {
      if (side.kind === 'rest') replay.queue(...step.exchanges);
      const result = await step.run(side).catch((error: unknown) => ({ failed: (error as Error).message }));
      if (side.kind === 'rest') {
        if (replay.mismatches.length > 0 || replay.pending().length > 0) {
          throw new Error(
            `step "${step.name}": ${replay.mismatches.join('; ')} pending ${replay.pending().join(', ')}`,
          );
        }
      }
      transcripts[side.kind].push(normalize(result, side.ids));
    }
  }
});
afterAll(async () => {
  await replay.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the recorded MLflow session on the FileStore and through the REST client', () => {
  it.each(STEPS.map((step, index) => [step.name, index] as const))(
    '%s gives the same result',
    (_name, index) => {
      expect(transcripts.file[index]).toEqual(transcripts.rest[index]);
    },
  );
});
