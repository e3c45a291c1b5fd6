import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { cacheDirectory, cachePath } from '../../src/core/data/download.js';
import { readDataset } from '../../src/core/data/read.js';
import { ExternalError, UserError } from '../../src/core/errors/index.js';
import { SAMPLE_CSV, withTempDir } from './helpers.js';

/** A local stand-in for UCI: `/data.csv` is the sample, `/cut.csv` dies mid-body, the rest is 404. */
let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  const sample = await readFile(SAMPLE_CSV);
  server = createServer((request, response) => {
    hits.push(request.url ?? '');
    if (request.url === '/data.csv') {
      response.writeHead(200, { 'content-length': sample.length });
      response.end(sample);
    } else if (request.url === '/cut.csv') {
      response.writeHead(200, { 'content-length': sample.length });
      response.write(sample.subarray(0, 1000), () => response.destroy());
    } else {
      response.writeHead(404, 'Not Found');
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  hits.length = 0;
  delete process.env.HEALTHPREDICT_CACHE_DIR;
});

describe('reading a URL', () => {
  it('downloads once into the cache and reads the cached copy after that', async () => {
    await withTempDir(async (cacheDir) => {
      const url = `${base}/data.csv`;
      const first = await readDataset(url, { cacheDir });
      expect(hits).toEqual(['/data.csv']);
      expect(first.rows.length).toBe(40);
      expect(first.origin?.uri).toBe(url);
      expect(first.origin?.path).toBe(cachePath(url, cacheDir));
      expect(await readFile(cachePath(url, cacheDir))).toEqual(await readFile(SAMPLE_CSV));

      const second = await readDataset(url, { cacheDir });
      expect(hits).toEqual(['/data.csv']);
      expect(second.rows).toEqual(first.rows);
      expect(await readdir(cacheDir)).toEqual([cachePath(url, cacheDir).slice(cacheDir.length + 1)]);
    });
  });

  it('takes the cache directory from HEALTHPREDICT_CACHE_DIR when no option is given', async () => {
    await withTempDir(async (cacheDir) => {
      process.env.HEALTHPREDICT_CACHE_DIR = cacheDir;
      expect(cacheDirectory()).toBe(cacheDir);
      expect(cacheDirectory('/elsewhere')).toBe('/elsewhere');
      await readDataset(`${base}/data.csv`);
      expect(await readdir(cacheDir)).toHaveLength(1);
    });
  });

  it('reports an HTTP error as an ExternalError that points at --data', async () => {
    await withTempDir(async (cacheDir) => {
      const error = await readDataset(`${base}/missing.zip`, { cacheDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExternalError);
      expect((error as ExternalError).status).toBe(404);
      expect((error as ExternalError).message).toBe(
        `http: could not download ${base}/missing.zip (the server answered 404 Not Found); ` +
          'download the file yourself and pass --data PATH instead',
      );
      expect(await readdir(cacheDir)).toEqual([]);
    });
  });

  it('leaves nothing in the cache when the connection drops mid-download', async () => {
    await withTempDir(async (cacheDir) => {
      const error = await readDataset(`${base}/cut.csv`, { cacheDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExternalError);
      expect((error as Error).message).toMatch(/--data PATH instead$/);
      expect(await readdir(cacheDir)).toEqual([]);
    });
  });

  it('reports a refused connection as an ExternalError', async () => {
    await withTempDir(async (cacheDir) => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/data.csv`;
      await new Promise((resolve) => closed.close(resolve));

      const error = await readDataset(url, { cacheDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExternalError);
      expect((error as Error).message).toBe(
        `http: could not download ${url} (ECONNREFUSED); ` +
          'download the file yourself and pass --data PATH instead',
      );
    });
  });

  it('refuses plain http from other hosts', async () => {
    // s3:// sources are read from S3: test/backends/s3-end-to-end.test.ts reads them from s3rver.
    await expect(readDataset('http://example.org/diabetic_data.csv')).rejects.toBeInstanceOf(UserError);
  });

  it('names different URLs with the same file name apart', () => {
    const a = cachePath('https://a.example/x/data.zip', '/cache');
    const b = cachePath('https://b.example/x/data.zip', '/cache');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\/cache\/[0-9a-f]{12}-data\.zip$/);
  });
});
