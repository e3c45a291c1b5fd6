import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT_CODES, UserError } from '../../src/core/errors/index.js';
import {
  FileModelRegistry,
  FileTrackingStore,
  MlflowRestModelRegistry,
  MlflowRestTrackingStore,
  openTracking,
} from '../../src/core/tracking/index.js';
import { localFileUri, pathExists } from '../../src/core/tracking/store-files.js';

let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'hp-open-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

function openError(uri: string): UserError {
  try {
    openTracking(uri);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error(`openTracking("${uri}") did not fail`);
}

describe('openTracking', () => {
  it('opens ./mlruns by default without creating it', async () => {
    const { tracking, registry } = openTracking();
    expect(tracking).toBeInstanceOf(FileTrackingStore);
    expect(registry).toBeInstanceOf(FileModelRegistry);
    expect(tracking.uri).toBe(localFileUri(resolve('mlruns')));
    expect(await pathExists(resolve('mlruns'))).toBe(false);
  });

  it('opens a directory path and file: URIs, absolute and relative', async () => {
    const dir = join(base, 'my runs');
    expect(openTracking(dir).tracking.uri).toBe(localFileUri(dir));
    expect(openTracking(pathToFileURL(dir).href).tracking.uri).toBe(localFileUri(dir));
    expect(openTracking('file:./relative').tracking.uri).toBe(localFileUri(resolve('relative')));

    const { tracking, registry } = openTracking(pathToFileURL(dir).href);
    const experiment = await tracking.getOrCreateExperiment('exp');
    const run = await tracking.createRun({ experimentId: experiment.experimentId, runName: 'r' });
    await registry.ensureRegisteredModel('M');
    await registry.createModelVersion({
      name: 'M',
      source: `runs:/${run.info.runId}/model`,
      runId: run.info.runId,
    });
    expect(await pathExists(join(dir, 'models', 'M', 'version-1', 'meta.yaml'))).toBe(true);
    expect(await pathExists(join(dir, experiment.experimentId, run.info.runId, 'meta.yaml'))).toBe(true);
  });

  it('opens an MLflow server URI with the REST client, without contacting it', () => {
    for (const uri of ['http://localhost:5000/', 'https://mlflow.example.com']) {
      const { tracking, registry } = openTracking(uri);
      expect(tracking).toBeInstanceOf(MlflowRestTrackingStore);
      expect(registry).toBeInstanceOf(MlflowRestModelRegistry);
      expect(tracking.uri).toBe(uri.replace(/\/$/, ''));
    }
  });

  it('refuses other schemes and file URIs of another host', () => {
    expect(openError('sqlite:///mlflow.db').message).toContain('sqlite:');
    expect(openError('file://server/share/mlruns').message).toContain('another host');
  });
});
