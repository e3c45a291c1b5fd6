import type { Config } from '../config/index.js';
import type { ModelRegistry } from '../registry/types.js';
import { openStore, type ObjectStore } from '../storage/index.js';
import { openTracking } from '../tracking/index.js';
import type { TrackingStore } from '../tracking/types.js';

export interface Backends {
  store: ObjectStore;
  tracking: TrackingStore;
  registry: ModelRegistry;
}

export type BackendConfig = Pick<Config, 'store' | 'trackingUri'> &
  Partial<Pick<Config, 's3Endpoint' | 'awsRegion'>>;

/**
 * Opens the object store (a directory or `s3://bucket/prefix`) and the tracking and registry stores (an
 * MLflow FileStore directory or an `http(s)://` MLflow server) the configuration names.
 */
export function openBackends(config: BackendConfig): Backends {
  const s3 = { s3Endpoint: config.s3Endpoint, awsRegion: config.awsRegion };
  return { store: openStore(config.store, s3), ...openTracking(config.trackingUri, s3) };
}
