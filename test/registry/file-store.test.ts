import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { EXIT_CODES, UserError } from '../../src/core/errors/index.js';
import { FileModelRegistry } from '../../src/core/registry/file-store.js';

const RUN_ID = '5a669e2a49dc43bc91f5361ca314ed33';
const MODEL = 'HealthPredict';

let base: string;
let root: string;
let registry: FileModelRegistry;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'hp-registry-'));
  root = join(base, 'mlruns');
  registry = new FileModelRegistry(root);
});
afterEach(async () => {
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

async function register(count: number): Promise<void> {
  await registry.ensureRegisteredModel(MODEL);
  for (let index = 0; index < count; index += 1) {
    await registry.createModelVersion({ name: MODEL, source: `runs:/${RUN_ID}/model`, runId: RUN_ID });
  }
}

const modelMeta = (): Promise<string> => readFile(join(root, 'models', MODEL, 'meta.yaml'), 'utf8');
const versionMeta = (version: number): Promise<string> =>
  readFile(join(root, 'models', MODEL, `version-${version}`, 'meta.yaml'), 'utf8');

describe('FileModelRegistry: registered models', () => {
  it('creates a model once and keeps its first description', async () => {
    expect(await registry.getRegisteredModel(MODEL)).toBeUndefined();
    const created = await registry.ensureRegisteredModel(MODEL, 'champion model');
    const again = await registry.ensureRegisteredModel(MODEL, 'another description');
    expect(again).toEqual(created);
    expect(created).toMatchObject({ name: MODEL, description: 'champion model', aliases: {}, tags: {} });
    expect(await modelMeta()).toMatch(
      /^aliases: \{\}\ncreation_timestamp: \d+\ndescription: champion model\nlast_updated_timestamp: \d+\nname: HealthPredict\n$/,
    );
  });

  it('writes a null description when there is none, and model tags as raw files', async () => {
    await registry.ensureRegisteredModel(MODEL);
    await registry.setRegisteredModelTag(MODEL, 'task', 'readmission');
    expect(await modelMeta()).toContain('description: null\n');
    expect(await readFile(join(root, 'models', MODEL, 'tags', 'task'), 'utf8')).toBe('readmission');
    expect((await registry.getRegisteredModel(MODEL))?.tags).toEqual({ task: 'readmission' });
  });

  it.each(['', '.', '..', 'a/b', 'a\\b', '50%'])('refuses the model name %j', async (name) => {
    await rejection(registry.ensureRegisteredModel(name));
  });
});

describe('FileModelRegistry: versions', () => {
  it('writes version meta.yaml with MLflow fields and an integer version', async () => {
    await registry.ensureRegisteredModel(MODEL);
    const version = await registry.createModelVersion({
      name: MODEL,
      source: `runs:/${RUN_ID}/model`,
      runId: RUN_ID,
      tags: { val_roc_auc: '0.692' },
    });
    expect(version).toMatchObject({
      name: MODEL,
      version: '1',
      runId: RUN_ID,
      currentStage: 'None',
      status: 'READY',
      description: null,
      tags: { val_roc_auc: '0.692' },
      aliases: [],
    });
    const text = await versionMeta(1);
    expect(text.replace(/\d{13}/g, '<ts>')).toBe(
      [
        'aliases: []',
        'creation_timestamp: <ts>',
        'current_stage: None',
        'description: null',
        'last_updated_timestamp: <ts>',
        `name: ${MODEL}`,
        `run_id: ${RUN_ID}`,
        'run_link: null',
        `source: runs:/${RUN_ID}/model`,
        'status: READY',
        'status_message: null',
        `storage_location: runs:/${RUN_ID}/model`,
        'user_id: null',
        'version: 1',
        '',
      ].join('\n'),
    );
  });

  it('numbers versions 1, 2, 3 … and never gives two concurrent registrations the same number', async () => {
    await registry.ensureRegisteredModel(MODEL);
    const other = new FileModelRegistry(root);
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? registry : other).createModelVersion({
          name: MODEL,
          source: `runs:/${RUN_ID}/model`,
          runId: RUN_ID,
        }),
      ),
    );
    const numbers = created.map((version) => Number(version.version)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
    const listed = await registry.listModelVersions(MODEL);
    expect(listed.map((version) => version.version)).toEqual(numbers.map(String));
    expect(
      (await readdir(join(root, 'models', MODEL))).filter((name) => name.startsWith('version-')),
    ).toHaveLength(12);
  });

  it('refuses a version of a model that does not exist, and an unknown or malformed version', async () => {
    const error = await rejection(registry.createModelVersion({ name: MODEL, source: 's', runId: RUN_ID }));
    expect(error.exitCode).toBe(EXIT_CODES.notFound);
    expect(error.fix).toContain('healthpredict register');
    await register(1);
    expect(await registry.getModelVersion(MODEL, '7')).toBeUndefined();
    await rejection(registry.getModelVersion(MODEL, 'one'));
    expect(await registry.listModelVersions('Unknown')).toEqual([]);
  });

  it('copies the storage location of a models:/ source, as MLflow does', async () => {
    await registry.ensureRegisteredModel(MODEL);
    await registry.createModelVersion({
      name: MODEL,
      source: 'file:///srv/mlruns/1/abc/artifacts/model',
      runId: RUN_ID,
    });
    await registry.createModelVersion({ name: MODEL, source: `models:/${MODEL}/1`, runId: RUN_ID });
    expect(await versionMeta(2)).toContain('storage_location: file:///srv/mlruns/1/abc/artifacts/model\n');
    await rejection(
      registry.createModelVersion({ name: MODEL, source: `models:/${MODEL}/9`, runId: RUN_ID }),
    );
  });

  it('sets version tags', async () => {
    await register(1);
    await registry.setVersionTag(MODEL, '1', 'deployed', 'true');
    expect((await registry.getModelVersion(MODEL, '1'))?.tags).toEqual({ deployed: 'true' });
    expect((await rejection(registry.setVersionTag(MODEL, '2', 'a', 'b'))).exitCode).toBe(
      EXIT_CODES.notFound,
    );
  });
});

describe('FileModelRegistry: stages', () => {
  it('moves a version to Production and archives the one there before', async () => {
    await register(3);
    await registry.transitionStage(MODEL, '1', 'Production', false);
    await registry.transitionStage(MODEL, '3', 'Staging', false);
    const promoted = await registry.transitionStage(MODEL, '2', 'Production', true);
    expect(promoted.currentStage).toBe('Production');
    const stages = (await registry.listModelVersions(MODEL)).map((version) => version.currentStage);
    expect(stages).toEqual(['Archived', 'Production', 'Staging']);
    expect(await versionMeta(1)).toContain('current_stage: Archived\n');
  });

  it('refuses archiving with a stage other than Staging or Production, and unknown stages', async () => {
    await register(1);
    await rejection(registry.transitionStage(MODEL, '1', 'Archived', true));
    await rejection(registry.transitionStage(MODEL, '1', 'Live' as never, false));
    expect((await registry.transitionStage(MODEL, '1', 'staging' as never, false)).currentStage).toBe(
      'Staging',
    );
  });
});

describe('FileModelRegistry: aliases', () => {
  it('points an alias at a version through aliases/<alias> and the model meta.yaml', async () => {
    await register(2);
    await registry.setAlias(MODEL, 'champion', '2');
    expect(await readFile(join(root, 'models', MODEL, 'aliases', 'champion'), 'utf8')).toBe('2');
    expect(await modelMeta()).toContain("aliases:\n  champion: '2'\n");
    expect(await registry.getVersionByAlias(MODEL, 'champion')).toMatchObject({
      version: '2',
      aliases: ['champion'],
    });
    expect((await registry.getRegisteredModel(MODEL))?.aliases).toEqual({ champion: '2' });

    await registry.setAlias(MODEL, 'champion', '1');
    expect((await registry.getVersionByAlias(MODEL, 'champion'))?.version).toBe('1');
    await registry.deleteAlias(MODEL, 'champion');
    expect(await registry.getVersionByAlias(MODEL, 'champion')).toBeUndefined();
    expect(await modelMeta()).toContain('aliases: {}\n');
  });

  it('leaves the alias list in version meta.yaml to the next rewrite of that file, as MLflow does', async () => {
    await register(1);
    await registry.setAlias(MODEL, 'champion', '1');
    expect(await versionMeta(1)).toContain('aliases: []\n');
    await registry.transitionStage(MODEL, '1', 'Production', false);
    expect(await versionMeta(1)).toContain('aliases:\n- champion\n');
  });

  it('refuses reserved or malformed aliases and unknown versions', async () => {
    await register(1);
    for (const alias of ['latest', 'Latest', 'v1', 'V12', 'bad alias', 'a/b', '']) {
      await rejection(registry.setAlias(MODEL, alias, '1'));
    }
    expect((await rejection(registry.setAlias(MODEL, 'champion', '5'))).exitCode).toBe(EXIT_CODES.notFound);
    expect(await registry.getVersionByAlias('Unknown', 'champion')).toBeUndefined();
  });
});
