import type { ObjectStore } from '../storage/index.js';
import { sha256 } from '../util/files.js';
import { debugFor } from '../util/log.js';
import { TARGET_COLUMN } from './contract.js';
import { toCsv } from './csv.js';
import {
  BATCHES_PREFIX,
  batchKey,
  MANIFEST_KEY,
  SPLIT_KEYS,
  type ManifestFile,
  type SplitManifest,
  type SplitRole,
} from './manifest.js';
import type { SplitParams, SplitResult } from './split.js';
import { columnIndex, type SourceInfo, type Table } from './table.js';

export { toCsv } from './csv.js';

const debug = debugFor('data');

export interface WriteSplitOptions {
  /** The manifest's creation time; default now. */
  now?: Date;
}

interface PlannedFile {
  key: string;
  role: SplitRole;
  batch?: number;
  table: Table;
}

/**
 * Writes the split into the store and returns the manifest. The old manifest is deleted first and the new one
 * written last, so a run that fails half-way leaves no manifest claiming files it did not write; batch files
 * of an earlier split with more batches are removed.
 */
export async function writeSplit(
  store: ObjectStore,
  split: SplitResult,
  params: SplitParams,
  source: SourceInfo,
  options: WriteSplitOptions = {},
): Promise<SplitManifest> {
  await store.delete(MANIFEST_KEY);
  const planned = plan(split);
  await removeStaleBatches(store, planned);

  const drifted = new Set(params.drift.batches);
  const files: ManifestFile[] = [];
  for (const file of planned) {
    const bytes = Buffer.from(toCsv(file.table), 'utf8');
    await store.write(file.key, bytes);
    const changed =
      file.role === 'batch' ? drifted.has(file.batch ?? 0) : file.role === 'future' && drifted.size > 0;
    files.push({ ...describe(file, bytes), drifted: changed });
    debug('wrote %s (%d rows)', file.key, file.table.rows.length);
  }

  const manifest: SplitManifest = {
    version: 1,
    createdAt: (options.now ?? new Date()).toISOString(),
    source,
    params,
    columns: split.train.columns,
    files,
  };
  await store.write(MANIFEST_KEY, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function plan(split: SplitResult): PlannedFile[] {
  return [
    { key: SPLIT_KEYS.train, role: 'train', table: split.train },
    { key: SPLIT_KEYS.validation, role: 'validation', table: split.validation },
    { key: SPLIT_KEYS.test, role: 'test', table: split.test },
    { key: SPLIT_KEYS.future, role: 'future', table: split.future },
    ...split.batches.map((table, i) => ({
      key: batchKey(i + 1),
      role: 'batch' as const,
      batch: i + 1,
      table,
    })),
  ];
}

async function removeStaleBatches(store: ObjectStore, planned: PlannedFile[]): Promise<void> {
  const keep = new Set(planned.map((file) => file.key));
  for (const key of await store.list(BATCHES_PREFIX)) {
    if (!keep.has(key)) await store.delete(key);
  }
}

function describe(file: PlannedFile, bytes: Buffer): Omit<ManifestFile, 'drifted'> {
  const target = columnIndex(file.table, TARGET_COLUMN);
  const rows = file.table.rows.length;
  const positives = file.table.rows.reduce((sum, row) => sum + (row[target] === '1' ? 1 : 0), 0);
  return {
    key: file.key,
    role: file.role,
    ...(file.batch === undefined ? {} : { batch: file.batch }),
    rows,
    positives,
    positiveRate: rows === 0 ? 0 : positives / rows,
    sha256: sha256(bytes),
    bytes: bytes.length,
  };
}
