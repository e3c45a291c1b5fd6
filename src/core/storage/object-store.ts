import type { Readable } from 'node:stream';

/**
 * Where data, processed splits, reports and charts live. Keys are `/`-separated relative paths such as
 * `processed/batches/batch_01.csv`. The local directory is the embedded default; `S3Store` keeps the same
 * keys under `s3://bucket/prefix`.
 */
export interface ObjectStore {
  /** The store's URI as the user gave it, for messages and the manifest. */
  readonly uri: string;
  read(key: string): Promise<Buffer>;
  readStream(key: string): Readable;
  /** Writes the whole object; a reader never sees a half-written one. */
  write(key: string, data: string | Uint8Array): Promise<void>;
  /** Writes an object from a stream without holding it whole; a reader never sees a half-written one. */
  writeStream(key: string, body: Readable): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /** A path on this machine for the key, when the store is a local directory. */
  localPath(key: string): string | undefined;
}
