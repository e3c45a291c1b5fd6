import { UserError } from '../errors/index.js';
import { FileModelRegistry } from '../registry/file-store.js';
import type { ModelRegistry } from '../registry/types.js';
import { FileTrackingStore } from './file-store.js';
import { openMlflowServer, type MlflowServerOptions } from './mlflow-rest/index.js';
import { fileUriPath } from './store-files.js';
import type { TrackingStore } from './types.js';

export type * from './types.js';
export type { ModelRegistry } from '../registry/types.js';
export { FileTrackingStore } from './file-store.js';
export { FileModelRegistry } from '../registry/file-store.js';
export { resolveModelUri, resolveDownloadUri, type ModelUriStores, type ResolvedModel } from './model-uri.js';
export { MlflowRestTrackingStore, MlflowRestModelRegistry, openMlflowServer } from './mlflow-rest/index.js';

export interface TrackingBackends {
  tracking: TrackingStore;
  registry: ModelRegistry;
}

export interface OpenTrackingOptions {
  /** An S3-compatible endpoint, for a server whose artifacts are in S3 without its proxy. */
  s3Endpoint?: string;
  awsRegion?: string;
  /** Where MLflow's client variables are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Settings of the REST client (credentials, retries) over those of the environment. */
  mlflow?: Omit<MlflowServerOptions, 'env' | 's3'>;
}

/**
 * Opens the tracking store and the model registry a tracking URI names: an MLflow server at `http(s)://`
 * (REST API 2.0, with `MLFLOW_TRACKING_TOKEN` or `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`),
 * or an MLflow FileStore directory named by a path or a `file:` URI (`file:///srv/mlruns`, `file:./mlruns`);
 * the default is `./mlruns`.
 */
export function openTracking(uri = './mlruns', options: OpenTrackingOptions = {}): TrackingBackends {
  if (/^https?:\/\//i.test(uri)) {
    return openMlflowServer(uri, {
      ...options.mlflow,
      env: options.env,
      s3: { endpoint: options.s3Endpoint, region: options.awsRegion },
    });
  }
  const root = storeDirectory(uri);
  return { tracking: new FileTrackingStore(root), registry: new FileModelRegistry(root) };
}

function storeDirectory(uri: string): string {
  if (uri.startsWith('file:')) {
    if (/^file:\/\/[^/]/.test(uri) && !uri.startsWith('file://localhost/')) {
      throw new UserError(
        `the tracking URI "${uri}" names another host`,
        'give a local path, such as file:///srv/mlruns or ./mlruns',
      );
    }
    return fileUriPath(uri);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1];
  if (scheme !== undefined) {
    throw new UserError(
      `the tracking URI "${uri}" uses the scheme ${scheme}:, which this build cannot open`,
      'give an http(s):// MLflow server, a directory (the default is ./mlruns) or a file: URI, ' +
        'through --tracking-uri or MLFLOW_TRACKING_URI',
    );
  }
  return uri;
}
