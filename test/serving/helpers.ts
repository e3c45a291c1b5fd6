import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ARTIFACT_PATH } from '../../src/core/models/artifact.js';
import { loadChampion, registerModels } from '../../src/core/pipeline/register.js';
import { loadSplits, splitData, type StoredSplits } from '../../src/core/pipeline/split.js';
import { trainModels } from '../../src/core/pipeline/train.js';
import type { ModelArtifact } from '../../src/core/models/artifact.js';
import { REGISTERED_MODEL_META_FILE, registeredModelMetaText } from '../../src/core/serving/model-loader.js';
import { LocalStore } from '../../src/core/storage/index.js';
import { openTracking, type TrackingBackends } from '../../src/core/tracking/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const REAL_DATA =
  process.env.HEALTHPREDICT_TEST_DATA ?? resolve(root, '../shared/data/diabetic_data.csv.gz');

process.env.HEALTHPREDICT_QUIET = '1';

/** A champion trained by the real pipeline services on the real data, in a temporary directory. */
export interface Champion {
  dir: string;
  storeDir: string;
  trackingDir: string;
  store: LocalStore;
  backends: TrackingBackends;
  splits: StoredSplits;
  version: string;
  runId: string;
  artifact: ModelArtifact;
}

/**
 * split, train (one XGBoost fit with the default parameters, no search) and register, as an operator runs
 * them: a few seconds on the full file.
 */
export async function trainChampion(prefix = 'serving'): Promise<Champion> {
  const dir = mkdtempSync(join(tmpdir(), `hp-${prefix}-`));
  const storeDir = join(dir, 'store');
  const trackingDir = join(dir, 'mlruns');
  const store = new LocalStore(storeDir);
  const backends = openTracking(trackingDir);
  await splitData(store, { source: REAL_DATA, target: 'any', shuffle: false, seed: 42, batches: 5 });
  const splits = await loadSplits(store);
  const trained = await trainModels({
    tracking: backends.tracking,
    splits,
    families: ['xgboost'],
    hpo: false,
    trials: 1,
    seed: 42,
    threads: 2,
    target: 'any',
  });
  await registerModels({
    ...backends,
    parentRunId: trained.parentRunId,
    evaluation: splits.test,
    maxAucDrop: 0.02,
  });
  const champion = await loadChampion(backends.tracking, backends.registry);
  if (!champion) throw new Error('register promoted no champion');
  return {
    dir,
    storeDir,
    trackingDir,
    store,
    backends,
    splits,
    version: champion.version.version,
    runId: champion.version.runId,
    artifact: champion.artifact,
  };
}

/**
 * The champion's `model/` folder copied out of the tracking store, as an image bakes it in, with MLflow's
 * `registered_model_meta` beside it.
 */
export async function copyModelDirectory(champion: Champion, withMeta = true): Promise<string> {
  const target = mkdtempSync(join(tmpdir(), 'hp-model-'));
  for (const path of await champion.backends.tracking.listArtifacts(champion.runId, ARTIFACT_PATH)) {
    const file = join(target, path.slice(ARTIFACT_PATH.length + 1));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await champion.backends.tracking.readArtifact(champion.runId, path));
  }
  if (withMeta) {
    writeFileSync(
      join(target, REGISTERED_MODEL_META_FILE),
      registeredModelMetaText('HealthPredict', champion.version),
    );
  }
  return target;
}

/** A row of a table as a JSON record with the data set's names, numbers for counts and codes. */
export function rowAsRecord(columns: readonly string[], row: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  columns.forEach((name, i) => {
    if (name === 'target') return;
    const value = row[i];
    record[name] = /^\d+$/.test(value) && !name.startsWith('diag_') ? Number(value) : value;
  });
  return record;
}

/** The seven renames written out by hand, so that the test does not use the code under test to spell them. */
const SNAKE: Record<string, string> = {
  A1Cresult: 'a1c_result',
  'glyburide-metformin': 'glyburide_metformin',
  'glipizide-metformin': 'glipizide_metformin',
  'glimepiride-pioglitazone': 'glimepiride_pioglitazone',
  'metformin-rosiglitazone': 'metformin_rosiglitazone',
  'metformin-pioglitazone': 'metformin_pioglitazone',
  diabetesMed: 'diabetes_med',
};

export function snakeName(name: string): string {
  return SNAKE[name] ?? name;
}

/** A record with the snake_case spelling of every field that has one. */
export function snakeRecord(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [snakeName(key), value]));
}
