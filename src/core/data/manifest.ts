import { EXIT_CODES, UserError } from '../errors/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { SplitParams } from './split.js';
import type { SourceInfo } from './table.js';

export const MANIFEST_KEY = 'processed/manifest.json';
export const BATCHES_PREFIX = 'processed/batches/';

export const SPLIT_KEYS = {
  train: 'processed/initial_train.csv',
  validation: 'processed/initial_validation.csv',
  test: 'processed/initial_test.csv',
  future: 'processed/future.csv',
} as const;

/** `processed/batches/batch_01.csv` for batch 1; numbers above 99 simply get more digits. */
export function batchKey(batch: number): string {
  return `${BATCHES_PREFIX}batch_${String(batch).padStart(2, '0')}.csv`;
}

export type SplitRole = 'train' | 'validation' | 'test' | 'future' | 'batch';

export interface ManifestFile {
  key: string;
  role: SplitRole;
  /** For a batch, its number (1-based). */
  batch?: number;
  rows: number;
  positives: number;
  /** positives / rows: the class balance of the file. */
  positiveRate: number;
  /** Whether a drift scenario changed rows of this file. */
  drifted: boolean;
  /** sha256 of the bytes written. */
  sha256: string;
  bytes: number;
}

/** `processed/manifest.json`: written last, so its presence means every file it lists was written whole. */
export interface SplitManifest {
  version: 1;
  createdAt: string;
  source: SourceInfo;
  params: SplitParams;
  columns: string[];
  files: ManifestFile[];
}

export async function readManifest(store: ObjectStore): Promise<SplitManifest> {
  if (!(await store.exists(MANIFEST_KEY))) {
    throw new UserError(
      `there is no split in the store ${store.uri} (${MANIFEST_KEY} is missing)`,
      'run `healthpredict split` first',
      EXIT_CODES.notFound,
    );
  }
  const text = (await store.read(MANIFEST_KEY)).toString('utf8');
  try {
    return JSON.parse(text) as SplitManifest;
  } catch {
    throw new UserError(
      `${MANIFEST_KEY} in the store ${store.uri} is not valid JSON`,
      'run `healthpredict split` again to rewrite it',
      EXIT_CODES.badInput,
    );
  }
}
