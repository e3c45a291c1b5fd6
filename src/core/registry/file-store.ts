import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { EXIT_CODES, UserError } from '../errors/index.js';
import { writeFileAtomic } from '../util/files.js';
import { debugFor } from '../util/log.js';
import {
  LIMITS,
  canonicalVersion,
  validateAlias,
  validateKey,
  validateLength,
  validateModelName,
} from '../tracking/mlflow-validation.js';
import {
  dumpMlflowYaml,
  parseMlflowYaml,
  yamlNumber,
  yamlString,
  type YamlRecord,
} from '../tracking/mlflow-yaml.js';
import {
  listSubdirectories,
  localFileUri,
  mkdirExclusive,
  pathExists,
  readKeyFiles,
  readTextIfExists,
  withLock,
} from '../tracking/store-files.js';
import type { CreateVersionInput, ModelRegistry, ModelVersion, RegisteredModel, Stage } from './types.js';
import { modelNotFound, versionNotFound } from './errors.js';

const debug = debugFor('registry');

const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];
/** The stages `archive_existing_versions` may be used with (MLflow's active stages). */
export const ACTIVE_STAGES: ReadonlySet<Stage> = new Set(['Staging', 'Production']);
/** The stage MLflow's FileStore gives a deleted version, which stays on disk. */
const STAGE_DELETED = 'Deleted_Internal';
const VERSION_FOLDER = /^version-(\d+)$/;
/** How long a reader waits for a `meta.yaml` that a concurrent writer has not renamed into place yet. */
const META_WAIT_MS = [20, 50, 100, 200];

/** A version as stored, with the fields `ModelVersion` leaves out but `meta.yaml` keeps. */
interface StoredVersion extends ModelVersion {
  runLink: string | null;
  statusMessage: string | null;
  storageLocation: string | null;
  userId: string | null;
}

/**
 * The model registry in MLflow 2.11's FileStore layout under `<mlruns>/models/`, which `mlflow ui` and
 * `MlflowClient` read:
 *
 * ```
 * models/<name>/meta.yaml               aliases, creation_timestamp, description, last_updated_timestamp, …
 * models/<name>/tags/<key>               raw value
 * models/<name>/aliases/<alias>          the version number
 * models/<name>/version-<n>/meta.yaml    aliases, current_stage, run_id, source, status, version (int), …
 * models/<name>/version-<n>/tags/<key>
 * ```
 *
 * The alias files are the truth about aliases, as in MLflow: the `aliases` mapping in the model's `meta.yaml`
 * and the `aliases` list in a version's `meta.yaml` are copies MLflow refreshes only when it rewrites that
 * file, and this registry does the same, so its files match MLflow's byte for byte.
 *
 * Version numbers are claimed with an exclusive `mkdir` of `version-<n>`, so concurrent registrations, even
 * from several processes, never share a number. Known limit: the other read-modify-write steps (stage
 * transitions, the model's `last_updated_timestamp`) are serialised within one process only, as MLflow's
 * FileStore does not serialise them at all.
 */
export class FileModelRegistry implements ModelRegistry {
  readonly uri: string;
  private readonly models: string;

  constructor(root = './mlruns') {
    const absolute = resolve(root);
    this.models = join(absolute, 'models');
    this.uri = localFileUri(absolute);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    validateModelName(name);
    const dir = this.modelDir(name);
    const meta = await readMeta(join(dir, 'meta.yaml'), true);
    if (!meta) return undefined;
    return {
      name: yamlString(meta, 'name') ?? name,
      description: yamlString(meta, 'description'),
      creationTimestamp: yamlNumber(meta, 'creation_timestamp') ?? 0,
      lastUpdatedTimestamp: yamlNumber(meta, 'last_updated_timestamp') ?? 0,
      tags: await readKeyFiles(join(dir, 'tags')),
      aliases: await this.readAliases(name),
    };
  }

  async ensureRegisteredModel(name: string, description?: string): Promise<RegisteredModel> {
    validateModelName(name);
    await mkdir(this.models, { recursive: true });
    const created = await mkdirExclusive(this.modelDir(name));
    const existing = created ? undefined : await this.getRegisteredModel(name);
    if (existing) return existing;

    // Also reached when an earlier writer made the folder and died before its meta.yaml.
    const now = Date.now();
    await this.writeModelMeta(name, { creation: now, updated: now, description: description ?? null });
    debug('created registered model %s', name);
    return this.requireModel(name);
  }

  /** Sets a tag on the registered model (MLflow's `set_registered_model_tag`). */
  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    validateRegistryTag(key, value);
    await this.requireModel(name);
    await writeFileAtomic(join(this.modelDir(name), 'tags', ...key.split('/')), value);
    await this.touchModel(name, Date.now());
  }

  async createModelVersion(input: CreateVersionInput): Promise<ModelVersion> {
    const { name } = input;
    validateModelName(name);
    for (const [key, value] of Object.entries(input.tags ?? {})) validateRegistryTag(key, value);
    await this.requireModel(name);
    const storageLocation = await this.storageLocation(input.source);

    const version = await this.claimVersionNumber(name);
    const now = Date.now();
    const stored: StoredVersion = {
      name,
      version,
      runId: input.runId,
      source: input.source,
      currentStage: 'None',
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
      description: input.description ?? null,
      status: 'READY',
      tags: {},
      aliases: [],
      runLink: null,
      statusMessage: null,
      storageLocation,
      userId: null,
    };
    await this.writeVersionMeta(stored);
    for (const [key, value] of Object.entries(input.tags ?? {})) {
      await writeFileAtomic(join(this.versionDir(name, version), 'tags', ...key.split('/')), value);
    }
    await this.touchModel(name, now);
    debug('registered %s version %s from %s', name, version, input.source);
    return this.requireVersion(name, version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion | undefined> {
    validateModelName(name);
    const stored = await this.readVersion(name, canonicalVersion(version));
    return stored && publicVersion(stored);
  }

  /** Every version of the model, oldest first; none when the model does not exist. */
  async listModelVersions(name: string): Promise<ModelVersion[]> {
    validateModelName(name);
    const versions: ModelVersion[] = [];
    for (const number of await this.versionNumbers(name)) {
      const stored = await this.readVersion(name, String(number), false);
      if (stored) versions.push(publicVersion(stored));
    }
    return versions;
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    validateModelName(name);
    validateAlias(alias);
    const version = (await this.readAliases(name))[alias];
    return version === undefined ? undefined : this.getModelVersion(name, version);
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias);
    const canonical = canonicalVersion(version);
    await this.requireVersion(name, canonical);
    await writeFileAtomic(join(this.modelDir(name), 'aliases', alias), canonical);
    await this.touchModel(name, Date.now());
    debug('alias %s of %s now points at version %s', alias, name, canonical);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateAlias(alias);
    await this.requireModel(name);
    const path = join(this.modelDir(name), 'aliases', alias);
    if (!(await pathExists(path))) return;
    await rm(path, { force: true });
    await this.touchModel(name, Date.now());
  }

  async transitionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExisting: boolean,
  ): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    const canonical = canonicalVersion(version);
    if (archiveExisting && !ACTIVE_STAGES.has(target)) {
      throw new UserError(
        `cannot archive the versions in stage ${target}: only Staging and Production versions can be archived`,
        'transition without archiving, or to Staging or Production',
      );
    }
    await this.requireVersion(name, canonical);

    const now = Date.now();
    await withLock(this.lockKey(name), async () => {
      if (archiveExisting) {
        for (const number of await this.versionNumbers(name)) {
          const other = await this.readVersion(name, String(number), false);
          if (!other || other.version === canonical || other.currentStage !== target) continue;
          await this.writeVersionMeta({ ...other, currentStage: 'Archived', lastUpdatedTimestamp: now });
        }
      }
      const current = (await this.readVersion(name, canonical)) as StoredVersion;
      await this.writeVersionMeta({ ...current, currentStage: target, lastUpdatedTimestamp: now });
    });
    await this.touchModel(name, now);
    return this.requireVersion(name, canonical);
  }

  async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    validateRegistryTag(key, value);
    const canonical = canonicalVersion(version);
    await this.requireVersion(name, canonical);
    await writeFileAtomic(join(this.versionDir(name, canonical), 'tags', ...key.split('/')), value);
    await this.touchModel(name, Date.now());
  }

  private modelDir(name: string): string {
    return join(this.models, name);
  }

  private versionDir(name: string, version: string): string {
    return join(this.modelDir(name), `version-${version}`);
  }

  private lockKey(name: string): string {
    return `registry:${this.modelDir(name)}`;
  }

  private async requireModel(name: string): Promise<RegisteredModel> {
    const model = await this.getRegisteredModel(name);
    if (!model) throw modelNotFound(name, this.uri);
    return model;
  }

  private async requireVersion(name: string, version: string): Promise<ModelVersion> {
    await this.requireModel(name);
    const found = await this.getModelVersion(name, version);
    if (!found) {
      const known = (await this.listModelVersions(name)).map((item) => item.version);
      throw versionNotFound(name, version, known);
    }
    return found;
  }

  /** Claims one more than the highest version folder, and the next number again when another writer won. */
  private async claimVersionNumber(name: string): Promise<string> {
    const numbers = await this.versionNumbers(name);
    let next = (numbers.length > 0 ? Math.max(...numbers) : 0) + 1;
    while (!(await mkdirExclusive(this.versionDir(name, String(next))))) next += 1;
    return String(next);
  }

  private async versionNumbers(name: string): Promise<number[]> {
    const folders = await listSubdirectories(this.modelDir(name));
    return folders
      .map((folder) => VERSION_FOLDER.exec(folder)?.[1])
      .filter((number): number is string => number !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Reads a version; `wait` gives a version being registered right now a moment to appear. */
  private async readVersion(name: string, version: string, wait = true): Promise<StoredVersion | undefined> {
    const dir = this.versionDir(name, version);
    const meta = await readMeta(join(dir, 'meta.yaml'), wait);
    if (!meta || yamlString(meta, 'current_stage') === STAGE_DELETED) return undefined;
    const aliases = await this.readAliases(name);
    return {
      name: yamlString(meta, 'name') ?? name,
      version: yamlString(meta, 'version') ?? version,
      runId: yamlString(meta, 'run_id') ?? '',
      source: yamlString(meta, 'source') ?? '',
      currentStage: canonicalStage(yamlString(meta, 'current_stage') ?? 'None'),
      creationTimestamp: yamlNumber(meta, 'creation_timestamp') ?? 0,
      lastUpdatedTimestamp: yamlNumber(meta, 'last_updated_timestamp') ?? 0,
      description: yamlString(meta, 'description'),
      status: versionStatus(yamlString(meta, 'status')),
      tags: await readKeyFiles(join(dir, 'tags')),
      aliases: Object.keys(aliases).filter((alias) => aliases[alias] === version),
      runLink: yamlString(meta, 'run_link'),
      statusMessage: yamlString(meta, 'status_message'),
      storageLocation: yamlString(meta, 'storage_location'),
      userId: yamlString(meta, 'user_id'),
    };
  }

  private async readAliases(name: string): Promise<Record<string, string>> {
    const aliases = await readKeyFiles(join(this.modelDir(name), 'aliases'));
    for (const alias of Object.keys(aliases)) aliases[alias] = aliases[alias].trim();
    return aliases;
  }

  /** MLflow's `_save_model_version_as_meta_file`: every field but the tags, keys sorted. */
  private async writeVersionMeta(version: StoredVersion): Promise<void> {
    const meta: YamlRecord = {
      aliases: version.aliases,
      creation_timestamp: version.creationTimestamp,
      current_stage: version.currentStage,
      description: version.description,
      last_updated_timestamp: version.lastUpdatedTimestamp,
      name: version.name,
      run_id: version.runId,
      run_link: version.runLink,
      source: version.source,
      status: version.status,
      status_message: version.statusMessage,
      storage_location: version.storageLocation,
      user_id: version.userId,
      version: Number(version.version),
    };
    await writeFileAtomic(
      join(this.versionDir(version.name, version.version), 'meta.yaml'),
      dumpMlflowYaml(meta),
    );
  }

  /** Sets the model's `last_updated_timestamp`, refreshing the copy of its aliases as MLflow does. */
  private async touchModel(name: string, updated: number): Promise<void> {
    await withLock(`${this.lockKey(name)}#meta`, async () => {
      const model = await this.requireModel(name);
      await this.writeModelMeta(name, {
        creation: model.creationTimestamp,
        updated,
        description: model.description,
      });
    });
  }

  private async writeModelMeta(
    name: string,
    fields: { creation: number; updated: number; description: string | null },
  ): Promise<void> {
    const meta: YamlRecord = {
      aliases: await this.readAliases(name),
      creation_timestamp: fields.creation,
      description: fields.description,
      last_updated_timestamp: fields.updated,
      name,
    };
    await writeFileAtomic(join(this.modelDir(name), 'meta.yaml'), dumpMlflowYaml(meta));
  }

  /**
   * MLflow's `storage_location`: the source itself, unless the source is another registered version
   * (`models:/NAME/VERSION`), whose own location is copied.
   */
  private async storageLocation(source: string): Promise<string> {
    if (!source.startsWith('models:')) return source;
    const match = /^models:\/([^/@]+)\/(\d+)$/.exec(source);
    if (!match) {
      throw new UserError(
        `the source "${source}" is not a models:/NAME/VERSION URI`,
        'register from runs:/RUN_ID/PATH, an artifact URI, or models:/NAME/VERSION',
      );
    }
    const [, name, version] = match;
    const origin = await this.requireVersion(name, version);
    const stored = (await this.readVersion(name, origin.version)) as StoredVersion;
    return stored.storageLocation ?? stored.source;
  }
}

/**
 * Reads a `meta.yaml`, undefined when absent. With `waitForWriter`, a folder that exists without its file yet
 * (a writer between `mkdir` and rename) is given a few short waits.
 */
async function readMeta(path: string, waitForWriter: boolean): Promise<YamlRecord | undefined> {
  let text = await readTextIfExists(path);
  if (text === undefined && waitForWriter && (await pathExists(dirname(path)))) {
    for (const wait of META_WAIT_MS) {
      await new Promise((done) => setTimeout(done, wait));
      text = await readTextIfExists(path);
      if (text !== undefined) break;
    }
  }
  if (text === undefined) return undefined;
  try {
    return parseMlflowYaml(text, path);
  } catch (error) {
    throw new UserError(
      `${path} is not a valid MLflow meta.yaml: ${(error as Error).message}`,
      'repair the file, or move the folder out of the registry',
      EXIT_CODES.badInput,
    );
  }
}

function publicVersion(stored: StoredVersion): ModelVersion {
  return {
    name: stored.name,
    version: stored.version,
    runId: stored.runId,
    source: stored.source,
    currentStage: stored.currentStage,
    creationTimestamp: stored.creationTimestamp,
    lastUpdatedTimestamp: stored.lastUpdatedTimestamp,
    description: stored.description,
    status: stored.status,
    tags: stored.tags,
    aliases: stored.aliases,
  };
}

/** MLflow's `get_canonical_stage`: stage names match case-insensitively. */
export function canonicalStage(stage: string): Stage {
  const found = STAGES.find((item) => item.toLowerCase() === stage.toLowerCase());
  if (!found) {
    throw new UserError(`unknown stage "${stage}"`, `use one of ${STAGES.join(', ')}`);
  }
  return found;
}

function versionStatus(status: string | null): ModelVersion['status'] {
  return status === 'PENDING_REGISTRATION' || status === 'FAILED_REGISTRATION' ? status : 'READY';
}

export function validateRegistryTag(key: string, value: string): void {
  validateKey('tag', key, LIMITS.registryTagKey);
  validateLength(`tag "${key}"`, value, LIMITS.registryTagValue);
}
