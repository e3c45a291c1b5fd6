import { EXIT_CODES, UserError } from '../errors/index.js';
import { readArtifact, type ModelArtifact } from '../models/artifact.js';
import type { ModelRegistry } from '../registry/types.js';
import { resolveModelUri } from '../tracking/model-uri.js';
import type { TrackingStore } from '../tracking/types.js';

/** One registered model version and the files of its `model/` artifact, ready to be baked into an image. */
export interface ModelBundle {
  name: string;
  version: string;
  runId: string;
  /** Paths relative to the artifact directory (`MLmodel`, `model.json`, …) and their bytes. */
  files: Map<string, Buffer>;
  artifact: ModelArtifact;
}

export interface ModelBundleStores {
  tracking: TrackingStore;
  registry: ModelRegistry;
}

/**
 * Reads every file of a registered version's model artifact (`models:/NAME/VERSION` or `models:/NAME@ALIAS`),
 * and checks that it is a model healthpredict can serve. An image pins one registered version, so a run or a
 * directory, which have no version, are refused.
 */
export async function loadModelBundle(modelUri: string, stores: ModelBundleStores): Promise<ModelBundle> {
  const resolved = await resolveModelUri(modelUri, stores);
  if (!resolved.name || !resolved.version || !resolved.runId) {
    throw new UserError(
      `the model URI "${modelUri}" names no registered version, and an image pins one`,
      'give models:/HealthPredict/VERSION or models:/HealthPredict@champion (register the run first)',
      EXIT_CODES.usage,
    );
  }
  const runId = resolved.runId;
  const prefix = `${resolved.artifactPath.replace(/\/+$/, '')}/`;
  const files = new Map<string, Buffer>();
  for (const path of await stores.tracking.listArtifacts(runId, resolved.artifactPath)) {
    const name = path.startsWith(prefix) ? path.slice(prefix.length) : path;
    files.set(name, await stores.tracking.readArtifact(runId, path));
  }
  const artifact = await readArtifact(async (name) => {
    const file = files.get(name);
    if (!file) throw new Error(`no ${name}`);
    return file;
  }, modelUri);
  return { name: resolved.name, version: resolved.version, runId, files, artifact };
}
