import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FileModelRegistry } from '../../src/core/registry/file-store.js';
import { FileTrackingStore } from '../../src/core/tracking/file-store.js';
import { localFileUri } from '../../src/core/tracking/store-files.js';
import {
  FIXTURE_ROOT,
  FIXTURE_ROOT_URI,
  listTree,
  normalisedTree,
  yamlShape,
  type TreeFile,
} from './filestore-tree.js';

const TRIAL_0 = '5a669e2a49dc43bc91f5361ca314ed33';
const TRIAL_0_DIR = join(FIXTURE_ROOT, '175220444412154219', TRIAL_0);

/** Writes, through our classes, what the fixture's README says MLflow was asked to write, in the same order. */
async function writeScenario(root: string): Promise<void> {
  const tracking = new FileTrackingStore(root);
  const registry = new FileModelRegistry(root);
  const experiment = await tracking.getOrCreateExperiment('HealthPredict_Training', {
    project: 'healthpredict',
  });
  const experimentId = experiment.experimentId;

  const parent = await tracking.createRun({
    experimentId,
    runName: 'hpo-xgboost',
    tags: { model_family: 'xgboost' },
  });
  const parentId = parent.info.runId;
  await tracking.logBatch(parentId, { params: { trials: 20 } });

  const trial = await tracking.createRun({
    experimentId,
    runName: 'trial-0',
    parentRunId: parentId,
    tags: { model_family: 'xgboost' },
  });
  const trialId = trial.info.runId;
  await tracking.logBatch(trialId, { params: { max_depth: 5, eta: 0.1 } });
  const start = Date.now();
  for (const [step, value] of [0.69, 0.691, 0.692].entries()) {
    await tracking.logBatch(trialId, {
      metrics: [{ key: 'val_roc_auc', value, timestamp: start + step, step }],
    });
  }
  await tracking.logBatch(trialId, {
    metrics: [{ key: 'test_roc_auc', value: 0.7012, timestamp: start, step: 0 }],
  });
  await tracking.setTag(trialId, 'best_hpo_model', 'True');
  await tracking.setTag(trialId, 'rung', '2');
  for (const file of ['MLmodel', 'model.json']) {
    await tracking.logArtifact(
      trialId,
      `model/${file}`,
      await readFile(join(TRIAL_0_DIR, 'artifacts/model', file)),
    );
  }
  await tracking.updateRun(trialId, 'FINISHED');
  await tracking.updateRun(parentId, 'FINISHED');

  const killed = await tracking.createRun({ experimentId, runName: 'trial-killed', parentRunId: parentId });
  await tracking.updateRun(killed.info.runId, 'KILLED');
  const failed = await tracking.createRun({ experimentId, runName: 'trial-failed' });
  await tracking.updateRun(failed.info.runId, 'FAILED');
  const deleted = await tracking.createRun({ experimentId, runName: 'deleted' });
  await tracking.updateRun(deleted.info.runId, 'FINISHED');
  await tracking.deleteRun(deleted.info.runId);

  await registry.ensureRegisteredModel('HealthPredict', 'champion model');
  await registry.setRegisteredModelTag('HealthPredict', 'task', 'readmission');
  const source = `${trial.info.artifactUri}/model`;
  await registry.createModelVersion({
    name: 'HealthPredict',
    source,
    runId: trialId,
    tags: { val_roc_auc: '0.692' },
  });
  await registry.createModelVersion({
    name: 'HealthPredict',
    source: `runs:/${trialId}/model`,
    runId: trialId,
  });
  await registry.transitionStage('HealthPredict', '1', 'Production', false);
  await registry.transitionStage('HealthPredict', '2', 'Production', true);
  await registry.setAlias('HealthPredict', 'champion', '2');
  await registry.setVersionTag('HealthPredict', '2', 'deployed', 'true');
}

describe('the FileStore tree against the one MLflow 2.11.3 wrote', () => {
  let root: string;
  let ours: Map<string, TreeFile>;
  let theirs: Map<string, TreeFile>;

  beforeAll(async () => {
    root = join(await mkdtemp(join(tmpdir(), 'hp-layout-')), 'mlruns');
    await writeScenario(root);
    ours = await normalisedTree(root, localFileUri(root));
    theirs = await normalisedTree(FIXTURE_ROOT, FIXTURE_ROOT_URI);
  });
  afterAll(async () => {
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  it('holds the same files, modulo ids', () => {
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
  });

  it('writes every meta.yaml with the same keys, key order, YAML types and quoting', () => {
    const metaFiles = [...theirs.keys()].filter((path) => path.endsWith('meta.yaml'));
    expect(metaFiles).toHaveLength(10);
    for (const path of metaFiles) {
      const shape = yamlShape(theirs.get(path)!.raw);
      expect(shape.length).toBeGreaterThanOrEqual(5);
      expect({ path, shape: yamlShape(ours.get(path)?.raw ?? '') }).toEqual({ path, shape });
    }
  });

  it('matches every file byte for byte once ids, timestamps and the root are normalised', () => {
    for (const [path, { text }] of theirs)
      expect({ path, text: ours.get(path)?.text }).toEqual({ path, text });
  });

  it('creates the .trash folder and the empty metrics, params and artifacts folders MLflow creates', async () => {
    expect((await stat(join(root, '.trash'))).isDirectory()).toBe(true);
    const run = [...ours.keys()].find((path) => path.endsWith('<run:trial-failed>/meta.yaml'))!;
    expect(run).toBeDefined();
    const tracking = new FileTrackingStore(root);
    const [failed] = await tracking.searchRuns({
      experimentIds: [(await tracking.getExperimentByName('HealthPredict_Training'))!.experimentId],
      status: ['FAILED'],
    });
    const runDir = join(root, failed.info.experimentId, failed.info.runId);
    for (const folder of ['metrics', 'params', 'artifacts']) {
      expect((await stat(join(runDir, folder))).isDirectory()).toBe(true);
    }
  });
});

describe('reading the store MLflow 2.11.3 wrote', () => {
  const tracking = new FileTrackingStore(FIXTURE_ROOT);
  const registry = new FileModelRegistry(FIXTURE_ROOT);
  let before: string;

  const fingerprint = async (): Promise<string> => {
    const hash = createHash('sha256');
    for (const file of await listTree(FIXTURE_ROOT))
      hash.update(file).update(await readFile(join(FIXTURE_ROOT, file)));
    return hash.digest('hex');
  };
  beforeAll(async () => {
    before = await fingerprint();
  });
  afterAll(async () => {
    // Reads must never write: the fixture is shared by everyone.
    expect(await fingerprint()).toBe(before);
  });

  it('gets trial-0 with its params, latest metrics, tags and status', async () => {
    const run = await tracking.getRun(TRIAL_0);
    expect(run.info).toEqual({
      runId: TRIAL_0,
      experimentId: '175220444412154219',
      runName: 'trial-0',
      status: 'FINISHED',
      startTime: 1796287750472,
      endTime: 1796287750476,
      artifactUri: `${FIXTURE_ROOT_URI}/175220444412154219/${TRIAL_0}/artifacts`,
      lifecycleStage: 'active',
    });
    expect(run.params).toEqual({ eta: '0.1', max_depth: '5' });
    expect(run.metrics).toEqual({ test_roc_auc: 0.7012, val_roc_auc: 0.692 });
    expect(run.tags).toEqual({
      best_hpo_model: 'True',
      'mlflow.parentRunId': 'be45d07ebccf4989b6b19392f7326e2d',
      'mlflow.runName': 'trial-0',
      model_family: 'xgboost',
      rung: '2',
    });
  });

  it('reads the metric history in the order it was logged', async () => {
    expect(await tracking.getMetricHistory(TRIAL_0, 'val_roc_auc')).toEqual([
      { key: 'val_roc_auc', value: 0.69, timestamp: 1796287750475, step: 0 },
      { key: 'val_roc_auc', value: 0.691, timestamp: 1796287750476, step: 1 },
      { key: 'val_roc_auc', value: 0.692, timestamp: 1796287750477, step: 2 },
    ]);
  });

  it('finds the experiments and searches runs, skipping the deleted one', async () => {
    expect((await tracking.getExperimentByName('Default'))?.experimentId).toBe('0');
    const experiment = await tracking.getExperimentByName('HealthPredict_Training');
    expect(experiment).toMatchObject({
      experimentId: '175220444412154219',
      tags: { project: 'healthpredict' },
    });
    const runs = await tracking.searchRuns({ experimentIds: ['175220444412154219'] });
    expect(runs.map((run) => run.info.runName).sort()).toEqual([
      'hpo-xgboost',
      'trial-0',
      'trial-failed',
      'trial-killed',
    ]);
    const statuses = Object.fromEntries(runs.map((run) => [run.info.runName, run.info.status]));
    expect(statuses).toEqual({
      'hpo-xgboost': 'FINISHED',
      'trial-0': 'FINISHED',
      'trial-failed': 'FAILED',
      'trial-killed': 'KILLED',
    });
    const deleted = await tracking.getRun('8be4ef48fea5478a8b7e837943f7a39e');
    expect(deleted.info.lifecycleStage).toBe('deleted');
  });

  it('reads artifacts of a store moved from another machine through the run folder', async () => {
    expect(await tracking.listArtifacts(TRIAL_0)).toEqual(['model/MLmodel', 'model/model.json']);
    expect((await tracking.readArtifact(TRIAL_0, 'model/model.json')).toString()).toBe('{"example": true}\n');
  });

  it('reads the registry: champion is version 2 in Production, version 1 Archived', async () => {
    const champion = await registry.getVersionByAlias('HealthPredict', 'champion');
    expect(champion).toMatchObject({
      version: '2',
      currentStage: 'Production',
      aliases: ['champion'],
      tags: { deployed: 'true' },
      source: `runs:/${TRIAL_0}/model`,
      runId: TRIAL_0,
      status: 'READY',
    });
    expect(await registry.getModelVersion('HealthPredict', '1')).toMatchObject({
      currentStage: 'Archived',
      aliases: [],
      tags: { val_roc_auc: '0.692' },
    });
    expect(await registry.getRegisteredModel('HealthPredict')).toEqual({
      name: 'HealthPredict',
      description: 'champion model',
      creationTimestamp: 1796287750489,
      lastUpdatedTimestamp: 1796287750502,
      tags: { task: 'readmission' },
      aliases: { champion: '2' },
    });
    expect((await registry.listModelVersions('HealthPredict')).map((version) => version.version)).toEqual([
      '1',
      '2',
    ]);
  });
});
