import { batchKey, readManifest, SPLIT_KEYS, type SplitManifest } from '../data/manifest.js';
import { parseCsv, readDataset } from '../data/read.js';
import { resolveSplitParams, splitDataset } from '../data/split.js';
import type { Table } from '../data/table.js';
import { writeSplit } from '../data/write.js';
import type { TargetName } from '../data/contract.js';
import type { ObjectStore, S3Options } from '../storage/index.js';
import { EXIT_CODES, throwIfAborted, UserError } from '../errors/index.js';
import { sha256 } from '../util/files.js';
import { info } from '../util/log.js';

export { readManifest } from '../data/manifest.js';

export interface SplitOptions {
  /** Path, `.gz`, `.zip`, `s3://` or `https://` URL of the raw data set. */
  source: string;
  cacheDir?: string;
  /** How to reach S3 for an `s3://` source. */
  s3?: S3Options;
  target: TargetName;
  shuffle: boolean;
  seed: number;
  batches: number;
  driftScenario?: string;
  /** Checked after the slow read, so that an interrupted split writes nothing. */
  signal?: AbortSignal;
}

export interface SplitResult {
  manifest: SplitManifest;
  durationMs: number;
}

/** Reads and checks the raw data, splits it, and writes the processed files and their manifest to the store. */
export async function splitData(store: ObjectStore, options: SplitOptions): Promise<SplitResult> {
  const started = Date.now();
  const table = await readDataset(options.source, { cacheDir: options.cacheDir, s3: options.s3 });
  info(`read ${table.rows.length} rows from ${table.source}`);
  throwIfAborted(options.signal);
  const splitOptions = {
    target: options.target,
    shuffle: options.shuffle,
    seed: options.seed,
    batches: options.batches,
    driftScenario: options.driftScenario,
  };
  const split = splitDataset(table, splitOptions);
  const origin = table.origin ?? { uri: options.source, path: options.source, sha256: '', bytes: 0 };
  const manifest = await writeSplit(store, split, resolveSplitParams(splitOptions), origin);
  info(`wrote ${manifest.files.length} files and processed/manifest.json to ${store.uri}`);
  return { manifest, durationMs: Date.now() - started };
}

export interface StoredSplits {
  train: Table;
  validation: Table;
  test: Table;
  batches: Table[];
}

/** Reads the processed splits back from the store, each checked against the manifest's sha256. */
export async function loadSplits(store: ObjectStore): Promise<StoredSplits> {
  const manifest = await readManifest(store);
  const batchNumbers = manifest.files.filter((f) => f.role === 'batch').map((f) => f.batch as number);
  const read = (key: string) => readVerified(store, manifest, key);
  return {
    train: await read(SPLIT_KEYS.train),
    validation: await read(SPLIT_KEYS.validation),
    test: await read(SPLIT_KEYS.test),
    batches: await Promise.all(batchNumbers.sort((a, b) => a - b).map((n) => read(batchKey(n)))),
  };
}

/** The rows a quality gate scores: a processed file in the store, by key, checked against the manifest. */
export async function loadEvaluationSet(store: ObjectStore, key: string): Promise<Table> {
  return readVerified(store, await readManifest(store), key);
}

/** One processed file, read only if the manifest lists it and its bytes still have the sha256 it recorded. */
export async function readVerified(store: ObjectStore, manifest: SplitManifest, key: string): Promise<Table> {
  const entry = manifest.files.find((file) => file.key === key);
  if (!entry) {
    throw new UserError(
      `${key} is not one of the files of the split in ${store.uri}`,
      `use one of ${manifest.files.map((file) => file.key).join(', ')}`,
      EXIT_CODES.notFound,
    );
  }
  const bytes = await store.read(key);
  if (sha256(bytes) !== entry.sha256) {
    throw new UserError(
      `${key} in ${store.uri} has changed since split wrote it (its sha256 no longer matches the manifest)`,
      'run `healthpredict split` again',
      EXIT_CODES.badInput,
    );
  }
  return parseCsv(bytes.toString('utf8'), store.localPath(key) ?? `${store.uri}/${key}`);
}
