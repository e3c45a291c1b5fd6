import { posix } from 'node:path';

import { EXIT_CODES, UserError } from '../../errors/index.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { LocalStore } from '../../storage/local-store.js';
import type { S3Options } from '../../storage/s3-client.js';
import { S3Store } from '../../storage/s3-store.js';
import { fileUriPath } from '../store-files.js';
import { text } from './entities.js';
import { isMlflowError, MlflowApiError, type MlflowHttpClient } from './http-client.js';

/** The artifacts of one run, at the run's `artifact_uri`; paths are relative to it (`model/MLmodel`). */
export interface ArtifactRepository {
  put(path: string, data: Uint8Array): Promise<void>;
  /** One file's bytes; a UserError (not found) when the run has no such file. */
  get(path: string): Promise<Buffer>;
  /** Every file under `path` (default all), relative to the artifact root, sorted. */
  list(path?: string): Promise<string[]>;
}

const PROXY_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.html': 'text/html',
};

export interface ArtifactAccess {
  /** The client of the tracking server, which serves `mlflow-artifacts:` URIs without a host. */
  http: MlflowHttpClient;
  /** A client for `mlflow-artifacts://host:port/…` URIs that name another server. */
  httpFor: (baseUrl: string) => MlflowHttpClient;
  s3?: S3Options;
}

/**
 * The repository for a run's artifact URI, as MLflow picks one: `mlflow-artifacts:` through the server's
 * artifact proxy (what `mlflow server --serve-artifacts` gives every run), `s3://` straight to S3 (a server
 * whose artifact root is a bucket, without the proxy), and `file:` for a server on this machine.
 */
export function artifactRepository(
  artifactUri: string,
  runId: string,
  access: ArtifactAccess,
): ArtifactRepository {
  if (artifactUri.startsWith('mlflow-artifacts:')) {
    const match = /^mlflow-artifacts:(?:\/\/([^/]+))?\/*(.*?)\/*$/.exec(artifactUri) as RegExpExecArray;
    const [, host, path] = match;
    const http = host ? access.httpFor(`${new URL(access.http.baseUrl).protocol}//${host}`) : access.http;
    return new ProxyArtifacts(http, path, runId);
  }
  if (/^s3:\/\//i.test(artifactUri)) return new StoreArtifacts(new S3Store(artifactUri, access.s3), runId);
  if (artifactUri.startsWith('file:') || artifactUri.startsWith('/')) {
    return new StoreArtifacts(new LocalStore(fileUriPath(artifactUri)), runId);
  }
  throw new UserError(
    `run ${runId} keeps its artifacts at ${artifactUri}, which this build cannot reach`,
    'serve the artifacts through the tracking server (`mlflow server --serve-artifacts`) or keep them in S3',
  );
}

/** MLflow's artifact proxy: PUT and GET of `/api/2.0/mlflow-artifacts/artifacts/<path>`, list by `?path=`. */
class ProxyArtifacts implements ArtifactRepository {
  constructor(
    private readonly http: MlflowHttpClient,
    private readonly root: string,
    private readonly runId: string,
  ) {}

  async put(path: string, data: Uint8Array): Promise<void> {
    const checked = checkArtifactPath(path);
    await this.http.put(this.filePath(checked), data, contentTypeOf(checked));
  }

  async get(path: string): Promise<Buffer> {
    const checked = checkArtifactPath(path);
    try {
      return await this.http.download(this.filePath(checked));
    } catch (error) {
      // MLflow 2.11 answers a missing file with 500 INTERNAL_ERROR (newer servers with 404): the listing
      // of its folder, not the message, tells a missing file from a failing server.
      if (!(error instanceof MlflowApiError)) throw error;
      const siblings = await this.list(posix.dirname(checked) === '.' ? '' : posix.dirname(checked));
      if (!siblings.includes(checked)) throw missingArtifact(this.runId, checked);
      throw error;
    }
  }

  async list(path = ''): Promise<string[]> {
    const base = path === '' ? '' : checkArtifactPath(path.replace(/\/+$/, ''));
    const files: string[] = [];
    const walk = async (directory: string): Promise<void> => {
      const answer = await this.http.call('GET', 'mlflow-artifacts/artifacts', {
        path: [this.root, directory].filter((part) => part !== '').join('/'),
      });
      for (const entry of Array.isArray(answer.files) ? (answer.files as Record<string, unknown>[]) : []) {
        const name = text(entry.path).split('/').pop() as string;
        const child = directory === '' ? name : `${directory}/${name}`;
        if (entry.is_dir === true) await walk(child);
        else files.push(child);
      }
    };
    try {
      await walk(base);
    } catch (error) {
      if (!isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) throw error;
    }
    return files.sort();
  }

  private filePath(path: string): string {
    const segments = [...this.root.split('/'), ...path.split('/')].filter((part) => part !== '');
    return `${PROXY_PREFIX}/${segments.map(encodeURIComponent).join('/')}`;
  }
}

/** Artifacts kept in an object store: S3, or a directory on this machine. */
class StoreArtifacts implements ArtifactRepository {
  constructor(
    private readonly store: ObjectStore,
    private readonly runId: string,
  ) {}

  async put(path: string, data: Uint8Array): Promise<void> {
    await this.store.write(checkArtifactPath(path), data);
  }

  async get(path: string): Promise<Buffer> {
    const checked = checkArtifactPath(path);
    try {
      return await this.store.read(checked);
    } catch (error) {
      if (error instanceof UserError && error.exitCode === EXIT_CODES.notFound) {
        throw missingArtifact(this.runId, checked);
      }
      throw error;
    }
  }

  async list(path = ''): Promise<string[]> {
    const base = path === '' ? '' : checkArtifactPath(path.replace(/\/+$/, ''));
    return this.store.list(base);
  }
}

/** The FileStore's rule for artifact paths: relative, inside the run's artifact root. */
export function checkArtifactPath(path: string): string {
  const normalized = posix.normalize(path);
  if (path === '' || path.startsWith('/') || normalized === '.' || normalized.startsWith('..')) {
    throw new UserError(
      `artifact path "${path}" is not inside the run's artifact folder`,
      'use a relative path such as model/MLmodel',
    );
  }
  return normalized;
}

export function missingArtifact(runId: string, path: string): UserError {
  return new UserError(
    `run ${runId} has no artifact "${path}"`,
    'check the artifact path; `listArtifacts` shows what the run holds',
    EXIT_CODES.notFound,
  );
}

function contentTypeOf(path: string): string {
  return CONTENT_TYPES[posix.extname(path).toLowerCase()] ?? 'application/octet-stream';
}
