import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';

import { ExternalError, UserError } from '../errors/index.js';
import { sha256 } from '../util/files.js';
import { debugFor } from '../util/log.js';

const debug = debugFor('data');

/** The UCI archive that holds diabetic_data.csv. */
export const UCI_DATA_URL =
  'https://archive.ics.uci.edu/static/public/296/diabetes+130-us+hospitals+for+years+1999-2008.zip';

/** Long enough for the 3 MB archive on a slow link, short enough that a stalled server is reported. */
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

/** Plain http is accepted from this machine only, for tests and local mirrors. */
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/** The download cache: the option, then `HEALTHPREDICT_CACHE_DIR`, then `~/.cache/healthpredict`. */
export function cacheDirectory(explicit?: string): string {
  return explicit ?? process.env.HEALTHPREDICT_CACHE_DIR ?? join(homedir(), '.cache', 'healthpredict');
}

/** The cached file for a URL: a hash of the whole URL keeps two files with the same name apart. */
export function cachePath(url: string, cacheDir: string): string {
  const name =
    new URL(url).pathname
      .split('/')
      .pop()
      ?.replace(/[^\w.+-]/g, '_') || 'download';
  return join(cacheDir, `${sha256(url).slice(0, 12)}-${name}`);
}

/**
 * Returns the local copy of a URL, downloading it the first time. The download goes to a temporary name and
 * is renamed into place, so an interrupted download never looks like a cached file.
 */
export async function downloadOnce(url: string, cacheDir: string): Promise<string> {
  const protocol = checkUrl(url);
  const target = cachePath(url, cacheDir);
  if (await exists(target)) {
    debug('using the cached copy %s of %s', target, url);
    return target;
  }

  await mkdir(cacheDir, { recursive: true });
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  debug('downloading %s to %s', url, target);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!response.ok || !response.body) {
      throw downloadError(protocol, url, `the server answered ${response.status} ${response.statusText}`, {
        status: response.status,
      });
    }
    await pipeline(Readable.fromWeb(response.body as ReadableStream), createWriteStream(temporary));
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof ExternalError) throw error;
    throw downloadError(protocol, url, reason(error));
  }
  return target;
}

function checkUrl(url: string): 'https' | 'http' {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return 'https';
  if (parsed.protocol === 'http:' && LOCAL_HOSTS.has(parsed.hostname)) return 'http';
  throw new UserError(
    `cannot read ${url}: data is downloaded over https:// only (plain http from 127.0.0.1 for local mirrors)`,
    `give an https:// URL, or download the file yourself and pass --data PATH`,
  );
}

function downloadError(
  protocol: string,
  url: string,
  why: string,
  options: { status?: number } = {},
): ExternalError {
  return new ExternalError(
    protocol,
    `could not download ${url} (${why}); download the file yourself and pass --data PATH instead`,
    options,
  );
}

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${DOWNLOAD_TIMEOUT_MS / 1000} s`;
  return cause?.message ?? (error as Error).message;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
