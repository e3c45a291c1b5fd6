import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

import yauzl from 'yauzl';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';
import type { ObjectStore } from '../storage/index.js';
import { parseS3Uri, type S3Options } from '../storage/s3-client.js';
import { S3Store } from '../storage/s3-store.js';
import { sha256File } from '../util/files.js';
import { debugFor } from '../util/log.js';
import { parseCsvStream, parseCsvText } from './csv.js';
import { cacheDirectory, downloadOnce, isUrl } from './download.js';
import type { Table } from './table.js';
import { badInput, type ContractName } from './validate.js';

const debug = debugFor('data');

/** The file inside the UCI archive that holds the encounters; the archive also holds IDs_mapping.csv. */
export const DATA_FILE_NAME = 'diabetic_data.csv';

export interface ReadDatasetOptions {
  /** Where downloads are kept; see `cacheDirectory` for the default. */
  cacheDir?: string;
  /** `raw` (default) for the UCI file, `processed` for files that split wrote. */
  contract?: ContractName;
  /** How to reach S3 for an `s3://` source (endpoint, region); default the AWS SDK's chain. */
  s3?: S3Options;
}

type Format = 'csv' | 'gzip' | 'zip';

/**
 * Reads the data set from a path, a `.gz`, the UCI `.zip`, an `s3://bucket/key` object (streamed) or an
 * https:// URL (downloaded once into the cache) and checks every row against the column contract. The first
 * problem is reported as a UserError naming the file, the line and the column; no value is changed.
 */
export async function readDataset(source: string, options: ReadDatasetOptions = {}): Promise<Table> {
  const started = Date.now();
  if (/^s3:\/\//i.test(source)) {
    const table = await readS3Object(source, options);
    debug('read %d rows from %s in %d ms', table.rows.length, source, Date.now() - started);
    return table;
  }
  // s3:// and file:// name files, not downloads; the downloader accepts or refuses every other scheme.
  const downloaded = isUrl(source) && !/^(file|s3):\/\//i.test(source);
  const path = downloaded ? await downloadOnce(source, cacheDirectory(options.cacheDir)) : localPath(source);

  const again = downloaded
    ? `delete the cached copy ${path} so that it is downloaded again`
    : 'download it again';
  const table = await readFile(path, options.contract ?? 'raw', again);
  table.origin = { uri: source, path, sha256: await sha256File(path), bytes: (await stat(path)).size };
  debug('read %d rows from %s in %d ms', table.rows.length, table.source, Date.now() - started);
  return table;
}

/** Reads a CSV file that split wrote into the store, checked against the processed contract. */
export async function readCsvFromStore(
  store: ObjectStore,
  key: string,
  contract: ContractName = 'processed',
): Promise<Table> {
  const file = store.localPath(key) ?? `${store.uri}/${key}`;
  if (!(await store.exists(key))) {
    throw new UserError(
      `"${key}" is not in the store ${store.uri}`,
      key.startsWith('processed/') ? 'run `healthpredict split` first' : 'check the key and the --store flag',
      EXIT_CODES.notFound,
    );
  }
  return parseCsvStream(store.readStream(key), [], {
    file,
    contract,
    sourceError: (error) => (error instanceof ExternalError ? error : unreadable(file, error)),
  });
}

/**
 * Streams an S3 object into the parser: the bytes are hashed on the way and a `.gz` is gunzipped on the way,
 * so the data set is never held whole (only its parsed rows are). The format comes from the first bytes, as
 * for a file; the UCI `.zip` needs random access, so it is first copied into the cache.
 */
async function readS3Object(source: string, options: ReadDatasetOptions): Promise<Table> {
  const { bucket, prefix: key } = parseS3Uri(source);
  if (key === '') {
    throw badInput(
      `${source} names a bucket, not a file`,
      `give s3://${bucket}/path/to/${DATA_FILE_NAME}.gz`,
    );
  }
  const store = new S3Store(`s3://${bucket}`, options.s3);
  const body = store.readStream(key);
  const head = await peekBytes(body, 4);
  const format: Format =
    head[0] === 0x1f && head[1] === 0x8b
      ? 'gzip'
      : head.length === 4 && head.readUInt32LE(0) === 0x04034b50
        ? 'zip'
        : 'csv';
  const again = `upload ${source} again`;
  const named = extname(key).toLowerCase();
  if (named === '.gz' && format !== 'gzip') throw corrupt(source, 'gzip', new Error('not gzip data'), again);
  if (format === 'zip' || named === '.zip') return readS3Zip(source, body, options, again);

  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const decoders = format === 'gzip' ? [counter, createGunzip()] : [counter];
  const sourceError = (error: Error) =>
    error instanceof ExternalError
      ? error
      : format === 'gzip' && isZlibError(error)
        ? corrupt(source, 'gzip', error, again)
        : unreadable(source, error);
  const table = await parseCsvStream(body, decoders, {
    file: source,
    contract: options.contract ?? 'raw',
    sourceError,
  });
  if (bytes === 0) throw badInput(`${source} is empty`, `upload the full ${DATA_FILE_NAME}`);
  table.origin = { uri: source, path: source, sha256: hash.digest('hex'), bytes };
  return table;
}

async function readS3Zip(source: string, body: Readable, options: ReadDatasetOptions, again: string) {
  const cacheDir = cacheDirectory(options.cacheDir);
  await mkdir(cacheDir, { recursive: true });
  const name = basename(parseS3Uri(source).prefix).replace(/[^\w.+-]/g, '_');
  const target = join(
    cacheDir,
    `s3-${createHash('sha256').update(source).digest('hex').slice(0, 12)}-${name}`,
  );
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await pipeline(body, createWriteStream(temporary));
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const table = await readZip(target, options.contract ?? 'raw', again);
  table.origin = {
    uri: source,
    path: target,
    sha256: await sha256File(target),
    bytes: (await stat(target)).size,
  };
  return table;
}

/** The first bytes of a stream, put back so that the stream still yields everything. */
function peekBytes(stream: Readable, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onReadable = (): void => {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) return;
      done();
      stream.unshift(chunk);
      resolve(chunk.subarray(0, size));
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.alloc(0));
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

/** Parses CSV text already in memory, such as the reference sample kept with a model; `source` names it. */
export function parseCsv(text: string, source: string, contract: ContractName = 'processed'): Table {
  return parseCsvText(text, { file: source, contract });
}

function localPath(source: string): string {
  if (source.startsWith('file://')) return fileURLToPath(source);
  return source;
}

async function readFile(path: string, contract: ContractName, again: string): Promise<Table> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT'
      ? badInput(`${path}: no such file`, 'check the path given to --data')
      : unreadable(path, error);
  });
  if (info.isDirectory()) {
    throw badInput(`${path} is a directory`, `pass the path of ${DATA_FILE_NAME}, its .gz or the UCI .zip`);
  }
  if (info.size === 0) throw badInput(`${path} is empty`, `pass the full ${DATA_FILE_NAME}`);

  const format = await detectFormat(path, again);
  if (format === 'zip') return readZip(path, contract, again);
  const decoders = format === 'gzip' ? [createGunzip()] : [];
  const sourceError = (error: Error) =>
    format === 'gzip' && isZlibError(error) ? corrupt(path, 'gzip', error, again) : unreadable(path, error);
  return parseCsvStream(createReadStream(path), decoders, { file: path, contract, sourceError });
}

/**
 * The format comes from the first bytes, so a cached download without an extension still reads; a name
 * that promises `.gz` or `.zip` while the bytes say otherwise means a damaged file.
 */
async function detectFormat(path: string, again: string): Promise<Format> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(4);
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }

  const format: Format =
    head[0] === 0x1f && head[1] === 0x8b ? 'gzip' : head.readUInt32LE(0) === 0x04034b50 ? 'zip' : 'csv';
  const named = extname(path).toLowerCase();
  if (named === '.gz' && format !== 'gzip') throw corrupt(path, 'gzip', new Error('not gzip data'), again);
  if (named === '.zip' && format !== 'zip') throw corrupt(path, 'zip', new Error('not a zip archive'), again);
  return format;
}

async function readZip(path: string, contract: ContractName, again: string): Promise<Table> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false }).catch((error: Error) => {
    throw corrupt(path, 'zip', error, again);
  });
  try {
    const entry = await findDataEntry(zip).catch((error: Error) => {
      throw corrupt(path, 'zip', error, again);
    });
    if (!entry) {
      throw badInput(
        `${path} holds no ${DATA_FILE_NAME}`,
        `pass the UCI archive (it holds ${DATA_FILE_NAME} and IDs_mapping.csv) or ${DATA_FILE_NAME} itself`,
      );
    }
    const file = `${path}!/${entry.fileName}`;
    const stream: Readable = await zip.openReadStreamPromise(entry).catch((error: Error) => {
      throw corrupt(file, 'zip', error, again);
    });
    return await parseCsvStream(stream, [], {
      file,
      contract,
      sourceError: (error) => corrupt(file, 'zip', error, again),
    });
  } finally {
    zip.close();
  }
}

/** The first entry named diabetic_data.csv in any folder, skipping the `__MACOSX` copies macOS adds. */
async function findDataEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  for await (const entry of zip.eachEntry()) {
    const name = entry.fileName;
    if (basename(name) === DATA_FILE_NAME && !name.startsWith('__MACOSX/')) return entry;
  }
  return undefined;
}

function corrupt(file: string, format: 'gzip' | 'zip', error: Error, again: string): UserError {
  return badInput(`${file} is truncated or corrupt (${format}: ${error.message})`, again);
}

function unreadable(file: string, error: Error): UserError {
  const code = (error as NodeJS.ErrnoException).code ?? error.message;
  return badInput(`${file} cannot be read (${code})`, 'check the path and its permissions');
}

function isZlibError(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code?.startsWith('Z_') ?? false;
}
