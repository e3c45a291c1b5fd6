import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTracking } from '../../src/core/tracking/index.js';
import { runScenario } from './tracking-scenario.js';

/**
 * The same scenario against both tracking stores: always the FileStore directory, and a live MLflow server
 * when HEALTHPREDICT_TEST_MLFLOW_URI names one (`mlflow server --serve-artifacts …`). The FileStore
 * transcript is checked against values stated here, and the server's must equal it.
 */

const LIVE = process.env.HEALTHPREDICT_TEST_MLFLOW_URI ?? '';
let dir: string;
let fileTranscript: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hp-scenario-'));
  fileTranscript = await runScenario(openTracking(join(dir, 'mlruns')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the tracking scenario on the FileStore', () => {
  it('logs, searches and orders runs as MLflow does', () => {
    const t = fileTranscript;
    expect(t.sameExperiment).toBe(true);
    expect(t.byName).toBe(true);
    expect(t.missingExperiment).toBeUndefined();
    // Latest value of val_auc is step 2's 0.7; params are strings as MLflow stores them.
    expect(t.runA).toMatchObject({
      metrics: { val_auc: 0.7 },
      params: { max_depth: '6', eta: '0.1', booster: 'gbtree' },
    });
    expect((t.runA as { tags: Record<string, string> }).tags).toMatchObject({
      'mlflow.runName': 'trial-a',
      'mlflow.parentRunId': '<parent>',
      best_hpo_model: 'True',
      rung: '2',
    });
    expect((t.historyA as { value: number }[]).map((p) => p.value)).toEqual([0.61, 0.68, 0.7]);
    expect(t.historyNone).toEqual([]);
    expect(t.searchBest).toEqual(['<a>']);
    // Newest start first: c (T0+3s), b, a, then the parent (T0).
    expect(t.searchAll).toEqual(['<c>', '<b>', '<a>', '<parent>']);
    // By val_auc descending (a 0.7, b 0.65), runs without it last in the default order.
    expect(t.searchByAuc).toEqual(['<a>', '<b>', '<c>', '<parent>']);
    expect(t.searchEnded).toEqual(['<c>', '<b>', '<a>', '<parent>']);
    expect(t.searchFailed).toEqual(['<c>']);
    expect(t.searchNone).toEqual([]);
  });

  it('keeps, lists and reads artifacts', () => {
    const t = fileTranscript;
    expect(t.artifactsA).toEqual(['model/MLmodel', 'model/model.json', 'notes.txt']);
    expect(t.artifactsModel).toEqual(['model/MLmodel', 'model/model.json']);
    expect(t.artifactsMissingDir).toEqual([]);
    expect(t.readBack).toBe('{"format":"healthpredict-model/1"}');
    expect(t.readMissing).toEqual({ kind: 'UserError', exitCode: 4 });
  });

  it('registers versions, moves stages, and resolves aliases and URIs', () => {
    const t = fileTranscript;
    expect(t.listed).toEqual(['1', '2']);
    expect(t.staging).toBe('Production');
    expect(t.stagesAfter).toEqual([
      ['1', 'Archived'],
      ['2', 'Production'],
    ]);
    expect(t.champion).toMatchObject({ version: '2', aliases: ['champion'], runId: '<b>' });
    expect(t.challenger).toBeUndefined();
    expect(t.aliases).toEqual({ champion: '2' });
    expect(t.taggedVersion).toEqual({ 'gate.decision': 'promoted' });
    expect(t.afterDelete).toBeUndefined();
    expect(t.missingVersion).toBeUndefined();
    expect(t.missingModel).toBeUndefined();
    expect(t.uris).toEqual({
      alias: { runId: '<a>', artifactPath: 'model', name: '<name>', version: '1' },
      version: { runId: '<b>', artifactPath: 'model', name: '<name>', version: '2' },
      latest: { runId: '<b>', artifactPath: 'model', name: '<name>', version: '2' },
      run: { runId: '<a>', artifactPath: 'model' },
      proxy: { runId: '<a>', artifactPath: 'model' },
    });
    expect(t.downloadUri).toBe('<root>/<experiment>/<a>/artifacts/model');
    expect(t.downloaded).toBe('{"format":"healthpredict-model/1"}');
    expect(t.errors).toEqual({
      missingRun: { kind: 'UserError', exitCode: 4 },
      longParam: { kind: 'UserError', exitCode: 2 },
      runNameMismatch: { kind: 'UserError', exitCode: 2 },
      badStage: { kind: 'UserError', exitCode: 2 },
      aliasMissingVersion: { kind: 'UserError', exitCode: 4 },
      versionOfMissingModel: { kind: 'UserError', exitCode: 4 },
    });
  });
});

describe('the tracking scenario on a live MLflow server', () => {
  if (!LIVE) {
    it.skip('skipped: set HEALTHPREDICT_TEST_MLFLOW_URI to an MLflow 2.x server started with --serve-artifacts', () => {});
    return;
  }
  it(`gives the FileStore transcript on ${LIVE}`, async () => {
    const serverTranscript = await runScenario(openTracking(LIVE));
    expect(serverTranscript).toEqual(fileTranscript);
  });
});
