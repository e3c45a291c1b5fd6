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

/** Opens the object store and the tracking and registry stores the configuration names. */
export function openBackends(config: Pick<Config, 'store' | 'trackingUri'>): Backends {
  return { store: openStore(config.store), ...openTracking(config.trackingUri) };
}
