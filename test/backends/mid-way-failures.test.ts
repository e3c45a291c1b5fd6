import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT_CODES, ExternalError, UserError } from '../../src/core/errors/index.js';
import {
  CHAMPION_ALIAS,
  CHAMPION_MODEL,
  loadChampion,
  loadRunArtifact,
  registerModels,
} from '../../src/core/pipeline/register.js';
import { loadSplits, splitData, type StoredSplits } from '../../src/core/pipeline/split.js';
import { trainModels, TRAINING_EXPERIMENT } from '../../src/core/pipeline/train.js';
import type { ModelRegistry } from '../../src/core/registry/types.js';
import { LocalStore } from '../../src/core/storage/index.js';
import { openTracking } from '../../src/core/tracking/index.js';
import { openMlflowServer } from '../../src/core/tracking/mlflow-rest/index.js';
import type { TrackingStore } from '../../src/core/tracking/types.js';
import { REAL_DATA } from '../cli/helpers.js';
import { loadExchanges, RecordedExchangeReplay } from '../tracking/mlflow-rest/recorded-replay.js';
import { faultInjecting } from './fault-injecting.js';

/**
 * A store or tracking server that fails in the middle of `train` or `register`: the command ends with the
 * failure as an external error, and the champion alias stays on the previous version or moves to a version
 * whose model is complete, never to one that cannot be loaded. Failures are injected by a wrapper around the
 * real FileStore stores, and, for the REST client, by stopping the replay of recorded exchanges it talks to.
 */

process.env.HEALTHPREDICT_QUIET = '1';

let dir: string;
let splits: StoredSplits;
let tracking: TrackingStore;
let registry: ModelRegistry;

const train = (tracker: TrackingStore, seed: number) =>
  trainModels({
    tracking: tracker,
    splits,
    families: ['logistic'],
    hpo: false,
    trials: 1,
    seed,
    threads: 2,
    target: 'any',
  });
const register = (tracker: TrackingStore, models: ModelRegistry, maxAucDrop = 1) =>
  registerModels({ tracking: tracker, registry: models, evaluation: splits.test, maxAucDrop });

async function championVersion(): Promise<string | undefined> {
  return (await registry.getVersionByAlias(CHAMPION_MODEL, CHAMPION_ALIAS))?.version;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hp-faults-'));
  const store = new LocalStore(join(dir, 'store'));
  await splitData(store, { source: REAL_DATA, target: 'any', shuffle: false, seed: 42, batches: 2 });
  splits = await loadSplits(store);
  ({ tracking, registry } = openTracking(join(dir, 'mlruns')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the tracking server failing during train', () => {
  it('ends with the failure, marks the runs FAILED, and leaves nothing for register to promote', async () => {
    // The third artifact file of the model upload fails: a model/ folder with two of its seven files.
    const { store: failing } = faultInjecting(tracking, { method: 'logArtifact', call: 3 });
    const error = await train(failing, 42).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as ExternalError).message).toContain('ECONNREFUSED');

    const experiment = await tracking.getExperimentByName(TRAINING_EXPERIMENT);
    const runs = await tracking.searchRuns({ experimentIds: [experiment?.experimentId as string] });
    expect(runs.map((run) => run.info.status).sort()).toEqual(['FAILED', 'FINISHED']);
    const trial = runs.find((run) => run.tags['mlflow.parentRunId'] !== undefined);
    // The half-uploaded model's run is not tagged best, so no register picks it.
    expect(await tracking.listArtifacts(trial?.info.runId as string, 'model')).toHaveLength(2);
    expect(trial?.tags.best_hpo_model).toBeUndefined();

    const registered = await register(tracking, registry).catch((e: unknown) => e);
    expect(registered).toBeInstanceOf(UserError);
    expect((registered as UserError).exitCode).toBe(EXIT_CODES.notFound);
    const parent = runs.find((run) => run.tags['mlflow.parentRunId'] === undefined);
    const byParent = await registerModels({
      tracking,
      registry,
      evaluation: splits.test,
      maxAucDrop: 1,
      parentRunId: parent?.info.runId,
    }).catch((e: unknown) => e);
    expect((byParent as UserError).message).toContain(
      'is FAILED; a failed or interrupted training registers nothing',
    );
    expect(await registry.getRegisteredModel(CHAMPION_MODEL)).toBeUndefined();
  });
});

describe('the tracking server or registry failing during register', () => {
  beforeAll(async () => {
    await train(tracking, 42);
    const first = await register(tracking, registry);
    expect(first.championVersion).toBe('1');
  });

  it('keeps the champion when reading the challenger’s model fails', async () => {
    await train(tracking, 7);
    const { store: failing } = faultInjecting(tracking, { method: 'readArtifact', call: 2, persist: true });
    const error = await register(failing, registry).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect(await championVersion()).toBe('1');
    // Nothing was registered: every candidate's model is read before the first version is made.
    expect((await registry.listModelVersions(CHAMPION_MODEL)).map((v) => v.version)).toEqual(['1']);
  });

  it('keeps the champion when setting the alias fails, and records no promotion', async () => {
    const { store: failing } = faultInjecting(registry, { method: 'setAlias', call: 1 });
    const error = await register(tracking, failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect(await championVersion()).toBe('1');
    const versions = await registry.listModelVersions(CHAMPION_MODEL);
    expect(versions.map((v) => [v.version, v.tags['gate.decision']])).toEqual([
      ['1', 'promoted'],
      ['2', undefined],
    ]);
  });

  it('leaves the alias on a complete model when the stage transition after it fails', async () => {
    const { store: failing } = faultInjecting(registry, { method: 'transitionStage', call: 1 });
    const error = await register(tracking, failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    const champion = await loadChampion(tracking, registry);
    // The same invocation registered again keeps its version 2, which the alias now points at.
    expect(champion?.version.version).toBe('2');
    expect((await registry.listModelVersions(CHAMPION_MODEL)).map((v) => v.version)).toEqual(['1', '2']);
    // Its model loads whole: every file of model/ is read and the preprocessor's hash checks.
    expect(champion?.artifact.descriptor.family).toBe('logistic');
  });
});

describe('the MLflow server going away mid-way', () => {
  it('reports the unreachable server, not a model without files', async () => {
    const replay = await RecordedExchangeReplay.start(loadExchanges());
    const { tracking: rest } = openMlflowServer(replay.url, {
      env: {},
      retry: { maxRetries: 1, backoffFactor: 0, backoffJitter: 0 },
    });
    replay.queue('run_get');
    const run = await rest.getRun('f097382213334244bc20f6f89855e635');
    expect(run.info.artifactUri).toContain('mlflow-artifacts:/1/');
    await replay.close();

    const error = await loadRunArtifact(rest, run.info.runId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as ExternalError).message).toContain(`cannot reach ${replay.url}`);
  });
});
