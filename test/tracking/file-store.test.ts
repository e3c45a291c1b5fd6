import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EXIT_CODES, UserError } from '../../src/core/errors/index.js';
import { FileTrackingStore } from '../../src/core/tracking/file-store.js';
import { localFileUri, pathExists } from '../../src/core/tracking/store-files.js';

let base: string;
let root: string;
let store: FileTrackingStore;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hp-tracking-'));
  root = join(base, 'mlruns');
  store = new FileTrackingStore(root);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function newRun(runName = 'trial'): Promise<{ runId: string; experimentId: string; runDir: string }> {
  const experiment = await store.getOrCreateExperiment('exp');
  const run = await store.createRun({ experimentId: experiment.experimentId, runName });
  return {
    runId: run.info.runId,
    experimentId: experiment.experimentId,
    runDir: join(root, experiment.experimentId, run.info.runId),
  };
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('FileTrackingStore: experiments', () => {
  it('creates the root, .trash and the Default experiment 0 on the first write only', async () => {
    expect(await store.getExperimentByName('exp')).toBeUndefined();
    expect(await pathExists(root)).toBe(false);

    const experiment = await store.getOrCreateExperiment('exp', { project: 'healthpredict' });
    expect(experiment.experimentId).toMatch(/^[1-9]\d{17}$/);
    expect(experiment.artifactLocation).toBe(`${localFileUri(root)}/${experiment.experimentId}`);
    expect(experiment.tags).toEqual({ project: 'healthpredict' });
    expect(await pathExists(join(root, '.trash'))).toBe(true);
    expect(await store.getExperimentByName('Default')).toMatchObject({
      experimentId: '0',
      lifecycleStage: 'active',
    });
    expect(await readFile(join(root, experiment.experimentId, 'tags', 'project'), 'utf8')).toBe(
      'healthpredict',
    );
  });

  it('returns the same experiment to concurrent callers', async () => {
    const experiments = await Promise.all([1, 2, 3, 4].map(() => store.getOrCreateExperiment('exp')));
    expect(new Set(experiments.map((experiment) => experiment.experimentId)).size).toBe(1);
    const folders = (await readdir(root)).filter((name) => !['0', '.trash'].includes(name));
    expect(folders).toHaveLength(1);
  });

  it('refuses an empty experiment name', async () => {
    await rejection(store.getOrCreateExperiment(''));
  });
});

describe('FileTrackingStore: runs', () => {
  it('writes a run meta.yaml with MLflow integer status and quoted ids', async () => {
    const { runId, experimentId, runDir } = await newRun('trial-0');
    const meta = await readFile(join(runDir, 'meta.yaml'), 'utf8');
    expect(meta).toContain(`experiment_id: '${experimentId}'`);
    expect(meta).toContain('status: 1\n');
    expect(meta).toContain('end_time: null\n');
    expect(await readFile(join(runDir, 'tags', 'mlflow.runName'), 'utf8')).toBe('trial-0');

    await store.updateRun(runId, 'KILLED', 1796287750476);
    const ended = await store.getRun(runId);
    expect(ended.info).toMatchObject({ status: 'KILLED', endTime: 1796287750476, runName: 'trial-0' });
    expect(await readFile(join(runDir, 'meta.yaml'), 'utf8')).toContain('status: 5\n');
  });

  it('records the parent run as the mlflow.parentRunId tag', async () => {
    const parent = await newRun('parent');
    const child = await store.createRun({
      experimentId: parent.experimentId,
      runName: 'child',
      parentRunId: parent.runId,
    });
    expect(child.tags['mlflow.parentRunId']).toBe(parent.runId);
    expect(child.info.status).toBe('RUNNING');
  });

  it('renames the run in meta.yaml when the mlflow.runName tag is set', async () => {
    const { runId, runDir } = await newRun('before');
    await store.setTag(runId, 'mlflow.runName', 'after');
    expect((await store.getRun(runId)).info.runName).toBe('after');
    expect(await readFile(join(runDir, 'meta.yaml'), 'utf8')).toContain('run_name: after\n');
  });

  it('says what to do about an unknown run or experiment', async () => {
    await store.getOrCreateExperiment('exp');
    const error = await rejection(store.getRun('0123456789abcdef0123456789abcdef'));
    expect(error.exitCode).toBe(EXIT_CODES.notFound);
    expect((await rejection(store.createRun({ experimentId: '42', runName: 'x' }))).exitCode).toBe(
      EXIT_CODES.notFound,
    );
    await rejection(store.getRun('../../etc'));
  });

  it('refuses logging to a deleted run and hides it from searches', async () => {
    const { runId, experimentId } = await newRun();
    await store.deleteRun(runId);
    await rejection(store.setTag(runId, 'a', 'b'));
    expect(await store.searchRuns({ experimentIds: [experimentId] })).toEqual([]);
    expect((await store.getRun(runId)).info.lifecycleStage).toBe('deleted');
  });
});

describe('FileTrackingStore: params, metrics and tags', () => {
  it('writes values as MLflow does: raw, no newline, metrics as "timestamp value step"', async () => {
    const { runId, runDir } = await newRun();
    await store.logBatch(runId, {
      params: { max_depth: 5, eta: 0.1, booster: 'gbtree', early: true },
      metrics: [
        { key: 'val_roc_auc', value: 0.69, timestamp: 1000, step: 0 },
        { key: 'val_roc_auc', value: 1, timestamp: 1001, step: 1 },
        { key: 'loss', value: NaN, timestamp: 1002, step: 0 },
      ],
      tags: { model_family: 'xgboost' },
    });
    expect(await readFile(join(runDir, 'params', 'max_depth'), 'utf8')).toBe('5');
    expect(await readFile(join(runDir, 'params', 'eta'), 'utf8')).toBe('0.1');
    expect(await readFile(join(runDir, 'params', 'early'), 'utf8')).toBe('True');
    expect(await readFile(join(runDir, 'metrics', 'val_roc_auc'), 'utf8')).toBe('1000 0.69 0\n1001 1.0 1\n');
    expect(await readFile(join(runDir, 'metrics', 'loss'), 'utf8')).toBe('1002 nan 0\n');

    const run = await store.getRun(runId);
    expect(run.params).toEqual({ booster: 'gbtree', early: 'True', eta: '0.1', max_depth: '5' });
    expect(run.metrics.val_roc_auc).toBe(1);
    expect(run.metrics.loss).toBeNaN();
    expect(run.tags.model_family).toBe('xgboost');
  });

  it('keeps the metric history in logging order and takes the latest by step, then timestamp', async () => {
    const { runId } = await newRun();
    await store.logBatch(runId, { metrics: [{ key: 'auc', value: 0.8, timestamp: 10, step: 2 }] });
    await store.logBatch(runId, { metrics: [{ key: 'auc', value: 0.9, timestamp: 20, step: 1 }] });
    await store.logBatch(runId, { metrics: [{ key: 'auc', value: 0.7, timestamp: 5, step: 2 }] });
    expect((await store.getMetricHistory(runId, 'auc')).map((point) => point.value)).toEqual([0.8, 0.9, 0.7]);
    expect((await store.getRun(runId)).metrics.auc).toBe(0.8);
    expect(await store.getMetricHistory(runId, 'missing')).toEqual([]);
  });

  it('keeps every point when points of one metric are logged concurrently', async () => {
    const { runId } = await newRun();
    await Promise.all(
      Array.from({ length: 20 }, (_, step) =>
        store.logBatch(runId, { metrics: [{ key: 'auc', value: step / 20, timestamp: 1000 + step, step }] }),
      ),
    );
    const steps = (await store.getMetricHistory(runId, 'auc'))
      .map((point) => point.step)
      .sort((a, b) => a - b);
    expect(steps).toEqual(Array.from({ length: 20 }, (_, step) => step));
  });

  it('stores keys with slashes as nested files and reads them back', async () => {
    const { runId, runDir } = await newRun();
    await store.logBatch(runId, { metrics: [{ key: 'val/roc_auc', value: 0.5, timestamp: 1, step: 0 }] });
    expect(await pathExists(join(runDir, 'metrics', 'val', 'roc_auc'))).toBe(true);
    expect((await store.getRun(runId)).metrics).toEqual({ 'val/roc_auc': 0.5 });
  });

  it('refuses to change a logged param, as MLflow does, and accepts the same value again', async () => {
    const { runId } = await newRun();
    await store.logBatch(runId, { params: { eta: 0.1 } });
    await store.logBatch(runId, { params: { eta: '0.1' } });
    const error = await rejection(store.logBatch(runId, { params: { eta: 0.2, other: 1 } }));
    expect(error.message).toContain('"eta"');
    expect((await store.getRun(runId)).params).toEqual({ eta: '0.1' });
  });

  it('lets exactly one of two concurrent different values of a param win', async () => {
    const { runId } = await newRun();
    const results = await Promise.allSettled([
      store.logBatch(runId, { params: { seed: 1 } }),
      store.logBatch(runId, { params: { seed: 2 } }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it.each(['../escape', 'a//b', '/absolute', 'trailing/', './a', 'a:b', 'a\nb', '', '..'])(
    'refuses the key %j',
    async (key) => {
      const { runId } = await newRun();
      await rejection(store.logBatch(runId, { params: { [key]: 1 } }));
      await rejection(store.setTag(runId, key, 'v'));
      await rejection(store.logBatch(runId, { metrics: [{ key, value: 1, timestamp: 1, step: 0 }] }));
    },
  );

  it('applies MLflow 2.11 length limits: param value 6000, tag value 5000, key 250', async () => {
    const { runId } = await newRun();
    await store.logBatch(runId, { params: { long: 'x'.repeat(6000) }, tags: { long: 'y'.repeat(5000) } });
    await rejection(store.logBatch(runId, { params: { longer: 'x'.repeat(6001) } }));
    await rejection(store.setTag(runId, 'longer', 'y'.repeat(5001)));
    await rejection(store.setTag(runId, 'k'.repeat(251), 'v'));
  });

  it('refuses a metric with a bad timestamp or step', async () => {
    const { runId } = await newRun();
    await rejection(store.logBatch(runId, { metrics: [{ key: 'a', value: 1, timestamp: -1, step: 0 }] }));
    await rejection(store.logBatch(runId, { metrics: [{ key: 'a', value: 1, timestamp: 1, step: 0.5 }] }));
  });
});

describe('FileTrackingStore: searchRuns', () => {
  it('filters by tags and status and orders by a metric, descending, runs without it last', async () => {
    const experiment = await store.getOrCreateExperiment('exp');
    const experimentId = experiment.experimentId;
    const make = async (runName: string, auc: number | undefined, family: string): Promise<string> => {
      const run = await store.createRun({ experimentId, runName, tags: { model_family: family } });
      if (auc !== undefined) {
        await store.logBatch(run.info.runId, {
          metrics: [{ key: 'auc', value: auc, timestamp: 1, step: 0 }],
        });
      }
      await store.updateRun(run.info.runId, 'FINISHED');
      return run.info.runId;
    };
    await make('low', 0.6, 'xgboost');
    await make('none', undefined, 'xgboost');
    await make('high', 0.9, 'xgboost');
    await make('nan', NaN, 'xgboost');
    await make('other', 0.99, 'logistic');
    const failed = await make('failed', 0.95, 'xgboost');
    await store.updateRun(failed, 'FAILED');

    const runs = await store.searchRuns({
      experimentIds: [experimentId, '123456789012345678'],
      tags: { model_family: 'xgboost' },
      status: ['FINISHED'],
      orderByMetricDesc: 'auc',
    });
    const names = runs.map((run) => run.info.runName);
    expect(names.slice(0, 2)).toEqual(['high', 'low']);
    expect(names.slice(2).sort()).toEqual(['nan', 'none']);
    expect(await store.searchRuns({ experimentIds: [experimentId], status: ['KILLED'] })).toEqual([]);
  });
});

describe('FileTrackingStore: artifacts', () => {
  it('writes, lists and reads artifacts under <experiment>/<run>/artifacts', async () => {
    const { runId, runDir } = await newRun();
    await store.logArtifact(runId, 'model/MLmodel', 'artifact_path: model\n');
    await store.logArtifact(runId, 'model/model.json', new TextEncoder().encode('{}'));
    await store.logArtifact(runId, 'report.html', '<html></html>');
    expect(await readFile(join(runDir, 'artifacts', 'model', 'MLmodel'), 'utf8')).toBe(
      'artifact_path: model\n',
    );
    expect(await store.listArtifacts(runId)).toEqual(['model/MLmodel', 'model/model.json', 'report.html']);
    expect(await store.listArtifacts(runId, 'model')).toEqual(['model/MLmodel', 'model/model.json']);
    expect(await store.listArtifacts(runId, 'absent')).toEqual([]);
    expect((await store.readArtifact(runId, 'model/model.json')).toString()).toBe('{}');
    expect((await store.getRun(runId)).info.artifactUri).toBe(`${localFileUri(runDir)}/artifacts`);
  });

  it('refuses paths outside the artifact folder and reports a missing artifact', async () => {
    const { runId } = await newRun();
    await rejection(store.logArtifact(runId, '../meta.yaml', 'x'));
    await rejection(store.logArtifact(runId, '/etc/passwd', 'x'));
    expect((await rejection(store.readArtifact(runId, 'model/MLmodel'))).exitCode).toBe(EXIT_CODES.notFound);
  });

  it('still finds artifacts after the store is moved, although artifact_uri names the old place', async () => {
    const { runId } = await newRun();
    await store.logArtifact(runId, 'model/MLmodel', 'moved');
    const moved = join(base, 'elsewhere');
    await cp(root, moved, { recursive: true });
    await rm(root, { recursive: true });
    const reopened = new FileTrackingStore(moved);
    expect((await reopened.readArtifact(runId, 'model/MLmodel')).toString()).toBe('moved');
  });
});
