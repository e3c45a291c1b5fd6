import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { EXIT_CODES, UserError } from '../errors/index.js';
import type { ModelRegistry, ModelVersion } from '../registry/types.js';
import { fileUriPath } from './store-files.js';
import type { TrackingStore } from './types.js';

/**
 * Where a model URI's files are. With `runId`, `artifactPath` is relative to that run's artifact root and the
 * files are read through `TrackingStore.readArtifact` and `listArtifacts`, whatever the backend; without it,
 * `artifactPath` is an absolute directory on this machine.
 */
export interface ResolvedModel {
  runId?: string;
  artifactPath: string;
  /** The registered model and version, for `models:/` URIs. */
  name?: string;
  version?: string;
}

export interface ModelUriStores {
  tracking: TrackingStore;
  registry: ModelRegistry;
}

const STAGE_NAMES = new Map(
  ['None', 'Staging', 'Production', 'Archived'].map((stage) => [stage.toLowerCase(), stage]),
);

/**
 * Resolves the model URIs MLflow users write: `runs:/RUN_ID/PATH`, `models:/NAME/VERSION`,
 * `models:/NAME@ALIAS`, `models:/NAME/STAGE` and `models:/NAME/latest` (as MLflow reads them),
 * `mlflow-artifacts:/EXPERIMENT/RUN_ID/artifacts/PATH` (a run's files behind a server's artifact proxy), and
 * a `file://` URI or local directory. The first three are resolved the same way whatever the backend.
 */
export async function resolveModelUri(uri: string, stores: ModelUriStores): Promise<ResolvedModel> {
  if (uri.startsWith('runs:')) return resolveRunUri(uri, stores.tracking);
  if (uri.startsWith('models:')) return resolveRegisteredUri(uri, stores);
  if (uri.startsWith('mlflow-artifacts:')) return resolveProxyUri(uri, stores.tracking);
  if (uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(uri)) return resolveLocalDirectory(uri);
  throw new UserError(
    `the model URI "${uri}" uses a scheme this build cannot read`,
    'give runs:/RUN_ID/PATH, models:/NAME/VERSION, models:/NAME@ALIAS, or a local directory',
  );
}

/**
 * Where a version's files can be downloaded from, as `get-download-uri` answers but with a `runs:/` source
 * resolved to the run's artifact URI (MLflow 2.11's server returns `runs:/` sources unresolved).
 */
export async function resolveDownloadUri(source: string, tracking: TrackingStore): Promise<string> {
  const match = /^runs:\/+([^/]+)\/?(.*?)\/*$/.exec(source);
  if (!match) return source;
  const run = await tracking.getRun(match[1]);
  const root = run.info.artifactUri.replace(/\/+$/, '');
  return match[2] ? `${root}/${match[2]}` : root;
}

/** `mlflow-artifacts:[//host]/EXPERIMENT/RUN_ID/artifacts/PATH`, the artifact URI layout of MLflow 2.x. */
async function resolveProxyUri(uri: string, tracking: TrackingStore): Promise<ResolvedModel> {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+([^/]+)\/([^/]+)\/artifacts\/(.+?)\/*$/.exec(uri);
  if (!match) {
    throw new UserError(
      `"${uri}" is not a mlflow-artifacts:/EXPERIMENT/RUN_ID/artifacts/PATH URI`,
      'use the artifact URI of a run, or runs:/RUN_ID/PATH',
    );
  }
  const [, experimentId, runId, path] = match;
  const run = await tracking.getRun(runId);
  if (run.info.experimentId !== experimentId) {
    throw new UserError(
      `run ${runId} of ${uri} is in experiment ${run.info.experimentId}, not ${experimentId}`,
      'check the URI, or use runs:/RUN_ID/PATH',
      EXIT_CODES.notFound,
    );
  }
  return requireRunArtifacts(runId, path, tracking, uri);
}

async function resolveRunUri(uri: string, tracking: TrackingStore): Promise<ResolvedModel> {
  const match = /^runs:\/+([^/]+)\/(.+?)\/*$/.exec(uri);
  if (!match) {
    throw new UserError(`"${uri}" is not a runs:/RUN_ID/PATH URI`, 'write it as runs:/RUN_ID/model');
  }
  return requireRunArtifacts(match[1], match[2], tracking, uri);
}

async function resolveRegisteredUri(uri: string, stores: ModelUriStores): Promise<ResolvedModel> {
  const byAlias = /^models:\/+([^/@]+)@([^/@]+)\/*$/.exec(uri);
  const byVersion = /^models:\/+([^/@]+)\/([^/@]+)\/*$/.exec(uri);
  const name = (byAlias ?? byVersion)?.[1];
  if (name === undefined) {
    throw new UserError(
      `"${uri}" is not a models:/NAME/VERSION or models:/NAME@ALIAS URI`,
      'write it as models:/HealthPredict@champion or models:/HealthPredict/1',
    );
  }

  const model = await stores.registry.getRegisteredModel(name);
  if (!model) {
    throw new UserError(
      `registered model "${name}" is not in the registry ${stores.tracking.uri}`,
      'run `healthpredict register` first',
      EXIT_CODES.notFound,
    );
  }
  const version = byAlias
    ? await versionByAlias(name, byAlias[2], model.aliases, stores.registry)
    : await versionBySelector(name, (byVersion as RegExpExecArray)[2], stores.registry);
  return resolveVersionSource(version, stores.tracking);
}

async function versionByAlias(
  name: string,
  alias: string,
  aliases: Record<string, string>,
  registry: ModelRegistry,
): Promise<ModelVersion> {
  const version = await registry.getVersionByAlias(name, alias);
  if (version) return version;
  const target = aliases[alias];
  throw new UserError(
    target === undefined
      ? `registered model "${name}" has no alias "${alias}"`
      : `the alias "${alias}" of "${name}" points at version ${target}, which does not exist`,
    alias === 'champion'
      ? 'run `healthpredict register` to promote a champion'
      : `set it with \`healthpredict register\`, or use one of: ${Object.keys(aliases).join(', ') || 'no aliases set'}`,
    EXIT_CODES.notFound,
  );
}

async function versionBySelector(
  name: string,
  selector: string,
  registry: ModelRegistry,
): Promise<ModelVersion> {
  const versions = await registry.listModelVersions(name);
  const known = versions.map((version) => version.version).join(', ') || 'none';
  let found: ModelVersion | undefined;
  if (/^\d+$/.test(selector)) {
    found = await registry.getModelVersion(name, selector);
  } else if (selector.toLowerCase() === 'latest') {
    found = versions.at(-1);
  } else if (STAGE_NAMES.has(selector.toLowerCase())) {
    const stage = STAGE_NAMES.get(selector.toLowerCase());
    found = versions.filter((version) => version.currentStage === stage).at(-1);
  } else {
    throw new UserError(
      `"${selector}" in models:/${name}/${selector} is neither a version number, a stage nor "latest"`,
      `use a version number (${known}) or an alias: models:/${name}@champion`,
    );
  }
  if (!found) {
    throw new UserError(
      `registered model "${name}" has no version ${/^\d+$/.test(selector) ? selector : `in ${selector}`}`,
      versions.length > 0 ? `use one of its versions: ${known}` : 'run `healthpredict register` first',
      EXIT_CODES.notFound,
    );
  }
  return found;
}

/**
 * A version's source is `runs:/RUN_ID/PATH` or the artifact URI of a run's folder (what
 * `mlflow.register_model` writes). A source under the version's own run's artifact URI is read through that
 * run, so that a store moved from another machine, whose absolute URIs name the old place, still resolves.
 */
async function resolveVersionSource(version: ModelVersion, tracking: TrackingStore): Promise<ResolvedModel> {
  const registered = { name: version.name, version: version.version };
  const source = version.source;
  if (source.startsWith('runs:')) return { ...(await resolveRunUri(source, tracking)), ...registered };
  if (source.startsWith('mlflow-artifacts:'))
    return { ...(await resolveProxyUri(source, tracking)), ...registered };

  if (version.runId) {
    const run = await tracking.getRun(version.runId);
    const root = run.info.artifactUri.replace(/\/+$/, '');
    if (source.startsWith(`${root}/`)) {
      const path = source.slice(root.length + 1).replace(/\/+$/, '');
      return { ...(await requireRunArtifacts(version.runId, path, tracking, source)), ...registered };
    }
  }
  if (source.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(source)) {
    return { ...(await resolveLocalDirectory(source)), ...registered };
  }
  throw new UserError(
    `version ${version.version} of "${version.name}" has its model at ${source}, which this build cannot read`,
    'register a version from a run of this tracking store',
  );
}

async function requireRunArtifacts(
  runId: string,
  artifactPath: string,
  tracking: TrackingStore,
  uri: string,
): Promise<ResolvedModel> {
  await tracking.getRun(runId);
  const files = await tracking.listArtifacts(runId, artifactPath);
  if (files.length === 0) {
    throw new UserError(
      `run ${runId} has no artifacts under "${artifactPath}" (from ${uri})`,
      'check the artifact path; the model of a training run is under model/',
      EXIT_CODES.notFound,
    );
  }
  return { runId, artifactPath };
}

async function resolveLocalDirectory(uri: string): Promise<ResolvedModel> {
  const path = resolve(uri.startsWith('file:') ? fileUriPath(uri) : uri);
  const isDirectory = await stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    throw new UserError(
      `the model directory ${path} does not exist`,
      'give the folder that holds the MLmodel file, or a models:/ or runs:/ URI',
      EXIT_CODES.badInput,
    );
  }
  return { artifactPath: path };
}
