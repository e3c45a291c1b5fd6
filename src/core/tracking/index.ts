import { UserError } from '../errors/index.js';
import { FileModelRegistry } from '../registry/file-store.js';
import type { ModelRegistry } from '../registry/types.js';
import { FileTrackingStore } from './file-store.js';
import { fileUriPath } from './store-files.js';
import type { TrackingStore } from './types.js';

export type * from './types.js';
export type { ModelRegistry } from '../registry/types.js';
export { FileTrackingStore } from './file-store.js';
export { FileModelRegistry } from '../registry/file-store.js';
export { resolveModelUri, type ModelUriStores, type ResolvedModel } from './model-uri.js';

export interface TrackingBackends {
  tracking: TrackingStore;
  registry: ModelRegistry;
}

/**
 * Opens the tracking store and the model registry of one MLflow FileStore directory, named by a path or a
 * `file:` URI (`file:///srv/mlruns`, `file:./mlruns`); the default is `./mlruns`.
 */
export function openTracking(uri = './mlruns'): TrackingBackends {
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
    const server = /^https?$/i.test(scheme);
    throw new UserError(
      server
        ? `the tracking URI "${uri}" is an MLflow server, and this build only supports the MLflow FileStore`
        : `the tracking URI "${uri}" uses the scheme ${scheme}:, and this build only supports the MLflow FileStore`,
      'give a directory (the default is ./mlruns) or a file: URI, through --tracking-uri or MLFLOW_TRACKING_URI',
    );
  }
  return uri;
}
