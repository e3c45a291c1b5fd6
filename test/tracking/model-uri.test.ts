import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT_CODES, UserError } from '../../src/core/errors/index.js';
import { FileModelRegistry } from '../../src/core/registry/file-store.js';
import { FileTrackingStore } from '../../src/core/tracking/file-store.js';
import { resolveModelUri, type ModelUriStores } from '../../src/core/tracking/model-uri.js';
import { FIXTURE_ROOT } from './filestore-tree.js';

let base: string;
let stores: ModelUriStores;
let runId: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'hp-model-uri-'));
  const root = join(base, 'mlruns');
  const tracking = new FileTrackingStore(root);
  const registry = new FileModelRegistry(root);
  stores = { tracking, registry };

  const experiment = await tracking.getOrCreateExperiment('exp');
  const run = await tracking.createRun({ experimentId: experiment.experimentId, runName: 'trial-0' });
  runId = run.info.runId;
  await tracking.logArtifact(runId, 'model/MLmodel', 'artifact_path: model\n');
  await registry.ensureRegisteredModel('HealthPredict');
  await registry.createModelVersion({
    name: 'HealthPredict',
    source: `${run.info.artifactUri}/model`,
    runId,
  });
  await registry.createModelVersion({ name: 'HealthPredict', source: `runs:/${runId}/model`, runId });
  await registry.transitionStage('HealthPredict', '1', 'Production', false);
  await registry.setAlias('HealthPredict', 'champion', '2');
  await registry.ensureRegisteredModel('Empty');
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('resolveModelUri', () => {
  it('resolves runs:/RUN_ID/PATH', async () => {
    expect(await resolveModelUri(`runs:/${runId}/model`, stores)).toEqual({ runId, artifactPath: 'model' });
  });

  it('resolves models:/NAME/VERSION, whether the source is runs:/ or the run artifact URI', async () => {
    const expected = { runId, artifactPath: 'model', name: 'HealthPredict' };
    expect(await resolveModelUri('models:/HealthPredict/2', stores)).toEqual({ ...expected, version: '2' });
    expect(await resolveModelUri('models:/HealthPredict/1', stores)).toEqual({ ...expected, version: '1' });
  });

  it('resolves models:/NAME@ALIAS, a stage and latest', async () => {
    expect(await resolveModelUri('models:/HealthPredict@champion', stores)).toMatchObject({ version: '2' });
    expect(await resolveModelUri('models:/HealthPredict/Production', stores)).toMatchObject({ version: '1' });
    expect(await resolveModelUri('models:/HealthPredict/latest', stores)).toMatchObject({ version: '2' });
  });

  it('resolves a local directory and a file:// URI', async () => {
    const dir = join(base, 'model dir');
    await mkdir(dir);
    expect(await resolveModelUri(dir, stores)).toEqual({ artifactPath: dir });
    expect(await resolveModelUri(pathToFileURL(dir).href, stores)).toEqual({ artifactPath: dir });
    expect((await rejection(resolveModelUri(join(base, 'absent'), stores))).exitCode).toBe(
      EXIT_CODES.badInput,
    );
  });

  it('says what to do about an unknown model, version or alias', async () => {
    const unknownModel = await rejection(resolveModelUri('models:/Nope@champion', stores));
    expect(unknownModel.exitCode).toBe(EXIT_CODES.notFound);
    expect(unknownModel.fix).toBe('run `healthpredict register` first');

    const unknownVersion = await rejection(resolveModelUri('models:/HealthPredict/9', stores));
    expect(unknownVersion.exitCode).toBe(EXIT_CODES.notFound);
    expect(unknownVersion.fix).toBe('use one of its versions: 1, 2');

    const noVersions = await rejection(resolveModelUri('models:/Empty/1', stores));
    expect(noVersions.fix).toBe('run `healthpredict register` first');

    const noChampion = await rejection(resolveModelUri('models:/Empty@champion', stores));
    expect(noChampion.message).toBe('registered model "Empty" has no alias "champion"');
    expect(noChampion.fix).toBe('run `healthpredict register` to promote a champion');

    expect((await rejection(resolveModelUri('models:/HealthPredict/Staging', stores))).exitCode).toBe(
      EXIT_CODES.notFound,
    );
  });

  it('says what to do about a missing run or artifact path, and a malformed URI', async () => {
    const missingRun = await rejection(
      resolveModelUri('runs:/0123456789abcdef0123456789abcdef/model', stores),
    );
    expect(missingRun.exitCode).toBe(EXIT_CODES.notFound);
    const missingPath = await rejection(resolveModelUri(`runs:/${runId}/other`, stores));
    expect(missingPath.exitCode).toBe(EXIT_CODES.notFound);
    expect((await rejection(resolveModelUri('models:/', stores))).exitCode).toBe(EXIT_CODES.usage);
    expect((await rejection(resolveModelUri('s3://bucket/model', stores))).exitCode).toBe(EXIT_CODES.usage);
  });

  it("resolves the fixture's versions, whose URIs name the machine MLflow ran on", async () => {
    const fixture = {
      tracking: new FileTrackingStore(FIXTURE_ROOT),
      registry: new FileModelRegistry(FIXTURE_ROOT),
    };
    const trial = '5a669e2a49dc43bc91f5361ca314ed33';
    expect(await resolveModelUri('models:/HealthPredict@champion', fixture)).toEqual({
      runId: trial,
      artifactPath: 'model',
      name: 'HealthPredict',
      version: '2',
    });
    expect(await resolveModelUri('models:/HealthPredict/1', fixture)).toMatchObject({
      runId: trial,
      version: '1',
    });
  });
});
