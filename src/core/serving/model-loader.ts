import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { parse as parseYaml, stringify as toYaml } from 'yaml';

import { readArtifact, type ModelArtifact } from '../models/artifact.js';
import { resolveModelUri, type ModelUriStores } from '../tracking/model-uri.js';
import { debugFor } from '../util/log.js';

const debug = debugFor('serving');

/**
 * The champion as `register` names it (`CHAMPION_MODEL`, `CHAMPION_ALIAS` in pipeline/register.ts), spelt out
 * here so that serving does not load the training stack; a test holds the two together.
 */
export const DEFAULT_MODEL_URI = 'models:/HealthPredict@champion';

/**
 * The file MLflow writes beside a registered model it downloads (`model_name`, `model_version`); a model
 * directory baked into an image carries it, so that the server reports its name and version with no registry
 * to ask.
 */
export const REGISTERED_MODEL_META_FILE = 'registered_model_meta';

/** The text of `registered_model_meta` for a version, as MLflow writes it. */
export function registeredModelMetaText(name: string, version: string): string {
  return toYaml({ model_name: name, model_version: version });
}

/** A model loaded for serving, with what `/model-info` and every answer say about it. */
export interface ServingModel {
  artifact: ModelArtifact;
  /** The URI it was loaded from, as given. */
  uri: string;
  name: string | null;
  version: string | null;
  runId: string | null;
  /** The alias the URI named, or the first alias the version had when it was loaded. */
  alias: string | null;
  preprocessorHash: string;
  threshold: number;
  loadedAt: Date;
}

export interface LoadModelOptions {
  /** `models:/NAME@ALIAS`, `models:/NAME/VERSION`, `runs:/RUN_ID/PATH` or a local model directory. */
  uri: string;
  /** Opens the tracking and registry stores; called only for `models:/` and `runs:/` URIs. */
  openStores: () => ModelUriStores;
}

/**
 * Resolves a model URI once, through the same tracking and registry interface that `register` writes, and
 * reads the artifact. A local directory (the `model/` folder of a run) needs no tracking store at all.
 */
export async function loadServingModel(options: LoadModelOptions): Promise<ServingModel> {
  let backends: ModelUriStores | undefined;
  const open = () => (backends ??= options.openStores());
  const stores: ModelUriStores = {
    get tracking() {
      return open().tracking;
    },
    get registry() {
      return open().registry;
    },
  };

  const resolved = await resolveModelUri(options.uri, stores);
  const readFileOf = resolved.runId
    ? (name: string) =>
        stores.tracking.readArtifact(resolved.runId as string, `${resolved.artifactPath}/${name}`)
    : (name: string) => readFile(join(resolved.artifactPath, name));
  const where = resolved.runId ? `runs:/${resolved.runId}/${resolved.artifactPath}` : resolved.artifactPath;
  const artifact = await readArtifact(readFileOf, where);

  const mlmodel = await readYaml(readFileOf, 'MLmodel');
  const meta = resolved.name ? undefined : await readYaml(readFileOf, REGISTERED_MODEL_META_FILE);
  const name = resolved.name ?? stringOrNull(meta?.model_name);
  const version = resolved.version ?? stringOrNull(meta?.model_version);
  const model: ServingModel = {
    artifact,
    uri: options.uri,
    name,
    version,
    runId: resolved.runId ?? stringOrNull(mlmodel?.run_id),
    alias: await aliasOf(options.uri, name, version, backends),
    preprocessorHash: artifact.preprocessor.hash,
    threshold: artifact.descriptor.threshold,
    loadedAt: new Date(),
  };
  debug('loaded %s: %s version %s, run %s', options.uri, model.name, model.version, model.runId);
  return model;
}

async function aliasOf(
  uri: string,
  name: string | null,
  version: string | null,
  backends: ModelUriStores | undefined,
): Promise<string | null> {
  const named = /^models:\/+[^/@]+@([^/@]+)\/*$/.exec(uri)?.[1];
  if (named) return named;
  if (!backends || !name || !version) return null;
  const registered = await backends.registry.getModelVersion(name, version);
  return registered?.aliases[0] ?? null;
}

async function readYaml(
  readFileOf: (name: string) => Promise<Buffer>,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed = parseYaml((await readFileOf(name)).toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    // Both files are optional for scoring: without them the answers carry null for what they would say.
    return undefined;
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}
