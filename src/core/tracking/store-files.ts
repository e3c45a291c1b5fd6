import { randomBytes } from 'node:crypto';
import { access, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

import { writeFileAtomic } from '../util/files.js';

/**
 * File-system steps shared by the tracking store and the model registry: reading what may be absent, listing
 * the key files of a `tags/`, `params/` or `metrics/` folder, exclusive creation, file URIs as MLflow writes
 * them, and an in-process lock per key.
 */

/** The temporary names `writeFileAtomic` and `writeFileExclusive` use beside a file while writing it. */
const TEMPORARY_NAME = /^\..+\.[0-9a-f]{12}\.tmp$/;

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return undefined;
    throw error;
  }
}

/** The names of the folders directly in a directory; none when it does not exist. */
export async function listSubdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return [];
    throw error;
  }
}

/**
 * Every file under a directory as a `/`-separated path relative to it, sorted; none when it does not exist.
 * Keys with slashes (`val/roc_auc`) are nested files in MLflow's layout, hence the walk.
 */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (current: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!TEMPORARY_NAME.test(entry.name)) files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  await walk(dir);
  return files.sort();
}

/** Reads every key file of a folder (`tags/`, `params/`) into a record of raw values. */
export async function readKeyFiles(dir: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const key of await listFilesRecursive(dir)) {
    const value = await readTextIfExists(join(dir, ...key.split('/')));
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/** `mkdir` that reports whether this call created the folder, so two writers never both claim it. */
export async function mkdirExclusive(path: string): Promise<boolean> {
  try {
    await mkdir(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
}

/**
 * Writes a file only if it does not exist yet, atomically: the content goes to a temporary name and is hard
 * linked into place, and `link` fails when the name is taken. Returns false when the file already existed.
 * On a file system without hard links it falls back to check-then-rename, which is exclusive only within
 * this process.
 */
export async function writeFileExclusive(path: string, data: string): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temporary, data);
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].some((code) => isErrno(error, code))) throw error;
    if (await pathExists(path)) return false;
    await writeFileAtomic(path, data);
    return true;
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * A local path as Python's `pathlib.Path(path).as_uri()` writes it: `file://` and the UTF-8 bytes of the
 * path, each outside `A-Z a-z 0-9 _ . - ~ /` percent-encoded.
 */
export function localFileUri(absolutePath: string): string {
  let encoded = '';
  for (const byte of Buffer.from(absolutePath, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9_.~/-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `file://${encoded}`;
}

/** MLflow's `local_file_uri_to_path`: the percent-decoded path of a `file:` URI. */
export function fileUriPath(uri: string): string {
  const rest = uri.replace(/^file:(\/\/[^/]*)?/, '');
  return decodeURIComponent(rest);
}

/** MLflow's `append_to_uri_path`: joins parts onto a URI with single slashes. */
export function appendToUri(uri: string, ...parts: string[]): string {
  return [uri.replace(/\/+$/, ''), ...parts.map((part) => part.replace(/^\/+|\/+$/g, ''))].join('/');
}

const lockTails = new Map<string, Promise<void>>();

/**
 * Runs `work` after every earlier `work` under the same key in this process has settled. Read-modify-write
 * steps on one file (a metric history, a `meta.yaml`) take the file's path as the key.
 */
export async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = lockTails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => current);
  lockTails.set(key, tail);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (lockTails.get(key) === tail) lockTails.delete(key);
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
