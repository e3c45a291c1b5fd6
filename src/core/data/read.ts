import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

import yauzl from 'yauzl';

import { EXIT_CODES, UserError } from '../errors/index.js';
import type { ObjectStore } from '../storage/index.js';
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
}

type Format = 'csv' | 'gzip' | 'zip';

/**
 * Reads the data set from a path, a `.gz`, the UCI `.zip` or an https:// URL (downloaded once into the cache)
 * and checks every row against the column contract. The first problem is reported as a UserError naming the
 * file, the line and the column; no value is changed.
 */
export async function readDataset(source: string, options: ReadDatasetOptions = {}): Promise<Table> {
  const started = Date.now();
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
    sourceError: (error) => unreadable(file, error),
  });
}

/** Parses CSV text already in memory, such as the reference sample kept with a model; `source` names it. */
export function parseCsv(text: string, source: string, contract: ContractName = 'processed'): Table {
  return parseCsvText(text, { file: source, contract });
}

function localPath(source: string): string {
  if (source.startsWith('file://')) return fileURLToPath(source);
  if (source.startsWith('s3://')) {
    throw new UserError(
      `cannot read ${source}: this build reads data from a path or an https:// URL`,
      'copy the file to this machine and pass --data PATH',
    );
  }
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
