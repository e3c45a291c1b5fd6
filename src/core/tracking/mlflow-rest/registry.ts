import { ExternalError, UserError } from '../../errors/index.js';
import { ACTIVE_STAGES, canonicalStage, validateRegistryTag } from '../../registry/file-store.js';
import type {
  CreateVersionInput,
  ModelRegistry,
  ModelVersion,
  RegisteredModel,
  Stage,
} from '../../registry/types.js';
import { debugFor } from '../../util/log.js';
import { canonicalVersion, validateAlias, validateModelName } from '../mlflow-validation.js';
import { resolveDownloadUri } from '../model-uri.js';
import type { TrackingStore } from '../types.js';
import { decodeModelVersion, decodeRegisteredModel, list, text, toKeyValues } from './entities.js';
import { storeError } from './errors.js';
import { isMlflowError, type JsonObject, type MlflowHttpClient } from './http-client.js';
import { modelNotFound, versionNotFound } from '../../registry/errors.js';

const debug = debugFor('mlflow');

/** How long a new version may stay PENDING_REGISTRATION, as MLflow's `await_registration_for` default. */
const REGISTRATION_WAIT_MS = 300_000;
const REGISTRATION_POLL_MS = [200, 500, 1000, 2000, 5000];

export interface RegistryWaitOptions {
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The model registry over an MLflow server's REST API 2.0, the twin of `FileModelRegistry`: the same checks
 * run before a request, a missing model, version or alias reads as undefined, and versions are listed oldest
 * first.
 */
export class MlflowRestModelRegistry implements ModelRegistry {
  readonly uri: string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly http: MlflowHttpClient,
    private readonly tracking: TrackingStore,
    options: RegistryWaitOptions = {},
  ) {
    this.uri = http.baseUrl;
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    validateModelName(name);
    try {
      const answer = await this.http.call('GET', 'mlflow/registered-models/get', { name });
      return decodeRegisteredModel(answer.registered_model);
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw this.fail(error, `get registered model "${name}"`);
    }
  }

  /** Creates the model, or returns it when it exists: create first, so two registrations never race. */
  async ensureRegisteredModel(name: string, description?: string): Promise<RegisteredModel> {
    try {
      return await this.createRegisteredModel(name, { description });
    } catch (error) {
      if (!isMlflowError(error, 'RESOURCE_ALREADY_EXISTS'))
        throw this.fail(error, `create registered model "${name}"`);
    }
    const model = await this.getRegisteredModel(name);
    if (!model) throw new ExternalError('MLflow', `registered model "${name}" exists and then does not`);
    return model;
  }

  /** `registered-models/create`; a model of that name already there is an `MlflowApiError`. */
  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    validateModelName(name);
    for (const [key, value] of Object.entries(options.tags ?? {})) validateRegistryTag(key, value);
    const answer = await this.http.call('POST', 'mlflow/registered-models/create', {
      name,
      description: options.description,
      tags: toKeyValues(options.tags),
    });
    debug('created registered model %s on %s', name, this.uri);
    return decodeRegisteredModel(answer.registered_model);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    validateModelName(name);
    const answer = await this.call('PATCH', 'mlflow/registered-models/update', { name, description }, name);
    return decodeRegisteredModel(answer.registered_model);
  }

  /** Registered models matching an MLflow filter (`name LIKE 'HealthPredict%'`), following the pages. */
  async searchRegisteredModels(filter?: string, pageSize?: number): Promise<RegisteredModel[]> {
    const models: RegisteredModel[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.call(
        'GET',
        'mlflow/registered-models/search',
        { filter, max_results: pageSize, page_token: pageToken },
        undefined,
      );
      const page = list(answer.registered_models);
      models.push(...page.map(decodeRegisteredModel));
      pageToken = page.length > 0 && answer.next_page_token ? text(answer.next_page_token) : undefined;
    } while (pageToken);
    return models;
  }

  async createModelVersion(input: CreateVersionInput): Promise<ModelVersion> {
    validateModelName(input.name);
    for (const [key, value] of Object.entries(input.tags ?? {})) validateRegistryTag(key, value);
    const answer = await this.call(
      'POST',
      'mlflow/model-versions/create',
      {
        name: input.name,
        source: input.source,
        run_id: input.runId,
        description: input.description,
        tags: toKeyValues(input.tags),
      },
      input.name,
    );
    const version = await this.awaitRegistration(decodeModelVersion(answer.model_version));
    debug('registered %s version %s from %s', version.name, version.version, input.source);
    return version;
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion | undefined> {
    validateModelName(name);
    const canonical = canonicalVersion(version);
    try {
      const answer = await this.http.call('GET', 'mlflow/model-versions/get', { name, version: canonical });
      return decodeModelVersion(answer.model_version);
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw this.fail(error, `get version ${canonical} of "${name}"`);
    }
  }

  /** Every version of the model, oldest first; none when the model does not exist. */
  async listModelVersions(name: string, pageSize?: number): Promise<ModelVersion[]> {
    validateModelName(name);
    const versions: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await this.call(
        'GET',
        'mlflow/model-versions/search',
        { filter: `name=${literal(name)}`, max_results: pageSize, page_token: pageToken },
        undefined,
      );
      const page = list(answer.model_versions);
      versions.push(...page.map(decodeModelVersion));
      pageToken = page.length > 0 && answer.next_page_token ? text(answer.next_page_token) : undefined;
    } while (pageToken);
    return versions.sort((a, b) => Number(a.version) - Number(b.version));
  }

  /** The latest version in each stage, or in the stages given (`get-latest-versions`). */
  async getLatestVersions(name: string, stages?: Stage[]): Promise<ModelVersion[]> {
    validateModelName(name);
    const answer =
      stages && stages.length > 0
        ? await this.call(
            'POST',
            'mlflow/registered-models/get-latest-versions',
            { name, stages: stages.map(canonicalStage) },
            name,
          )
        : await this.call('GET', 'mlflow/registered-models/get-latest-versions', { name }, name);
    return list(answer.model_versions).map(decodeModelVersion);
  }

  /**
   * The version an alias points at. MLflow 2.11 answers a missing alias with 400 INVALID_PARAMETER_VALUE,
   * the code of every bad value, so the model's own alias list decides whether that 400 meant "not set".
   */
  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    validateModelName(name);
    validateAlias(alias);
    try {
      const answer = await this.http.call('GET', 'mlflow/registered-models/alias', { name, alias });
      return decodeModelVersion(answer.model_version);
    } catch (error) {
      if (isMlflowError(error, 'INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST')) {
        const model = await this.getRegisteredModel(name);
        if (!model || model.aliases[alias] === undefined) return undefined;
      }
      throw this.fail(error, `read alias "${alias}" of "${name}"`);
    }
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    const canonical = canonicalVersion(version);
    await this.call(
      'POST',
      'mlflow/registered-models/alias',
      { name, alias, version: canonical },
      name,
      canonical,
    );
    debug('alias %s of %s now points at version %s', alias, name, canonical);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    await this.call('DELETE', 'mlflow/registered-models/alias', { name, alias }, name);
  }

  async transitionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExisting: boolean,
  ): Promise<ModelVersion> {
    validateModelName(name);
    const target = canonicalStage(stage);
    const canonical = canonicalVersion(version);
    if (archiveExisting && !ACTIVE_STAGES.has(target)) {
      throw new UserError(
        `cannot archive the versions in stage ${target}: only Staging and Production versions can be archived`,
        'transition without archiving, or to Staging or Production',
      );
    }
    const answer = await this.call(
      'POST',
      'mlflow/model-versions/transition-stage',
      { name, version: canonical, stage: target, archive_existing_versions: archiveExisting },
      name,
      canonical,
    );
    return decodeModelVersion(answer.model_version);
  }

  async setVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    validateModelName(name);
    validateRegistryTag(key, value);
    const canonical = canonicalVersion(version);
    await this.call(
      'POST',
      'mlflow/model-versions/set-tag',
      { name, version: canonical, key, value },
      name,
      canonical,
    );
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    validateModelName(name);
    const canonical = canonicalVersion(version);
    await this.call('DELETE', 'mlflow/model-versions/delete', { name, version: canonical }, name, canonical);
  }

  /**
   * Where the version's files are. The server returns a `runs:/` source as it was given (MLflow 2.11
   * resolves only `models:/`), so it is resolved here to the run's artifact URI, as the FileStore side does.
   */
  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    validateModelName(name);
    const canonical = canonicalVersion(version);
    const answer = await this.call(
      'GET',
      'mlflow/model-versions/get-download-uri',
      { name, version: canonical },
      name,
      canonical,
    );
    return resolveDownloadUri(text(answer.artifact_uri), this.tracking);
  }

  /** Waits while the server copies a new version's files (PENDING_REGISTRATION), as MLflow's client does. */
  private async awaitRegistration(version: ModelVersion): Promise<ModelVersion> {
    const started = Date.now();
    let current = version;
    for (let attempt = 0; current.status === 'PENDING_REGISTRATION'; attempt += 1) {
      if (Date.now() - started > REGISTRATION_WAIT_MS) {
        throw new ExternalError(
          'MLflow',
          `version ${version.version} of "${version.name}" is still pending registration`,
        );
      }
      await this.sleep(REGISTRATION_POLL_MS[Math.min(attempt, REGISTRATION_POLL_MS.length - 1)]);
      current = (await this.getModelVersion(version.name, version.version)) ?? current;
    }
    if (current.status === 'FAILED_REGISTRATION') {
      throw new ExternalError(
        'MLflow',
        `the server failed to register version ${current.version} of "${current.name}"`,
      );
    }
    return current;
  }

  /** One call; a missing model or version is named as the FileStore registry names it. */
  private async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    endpoint: string,
    params: JsonObject,
    name: string | undefined,
    version?: string,
  ): Promise<JsonObject> {
    try {
      return await this.http.call(method, endpoint, params);
    } catch (error) {
      if (name !== undefined && isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST'))
        throw await this.missing(name, version);
      throw this.fail(error, endpoint.split('/').slice(1).join(' '));
    }
  }

  private async missing(name: string, version: string | undefined): Promise<UserError> {
    // A call about the model itself fails this way only when the model is missing; one about a version
    // needs a look at the model to say which of the two is.
    const model = version === undefined ? undefined : await this.getRegisteredModel(name);
    if (!model) return modelNotFound(name, this.uri);
    const known = (await this.listModelVersions(name)).map((item) => item.version);
    return versionNotFound(name, version, known);
  }

  private fail(error: unknown, action: string): Error {
    return storeError(error, this.uri, action);
  }
}

/** A string in MLflow's search language. */
function literal(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new UserError(
    `cannot search for the name "${value}"`,
    'use a model name without both kinds of quote',
  );
}
