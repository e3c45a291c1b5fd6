/**
 * The model registry interface: registered models, versions, stages, aliases and tags, as MLflow names them.
 * The registry part of the MLflow FileStore (`./mlruns/models`) is the embedded implementation.
 */

export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';

export interface RegisteredModel {
  name: string;
  description: string | null;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  tags: Record<string, string>;
  /** Alias to version number. */
  aliases: Record<string, string>;
}

export interface ModelVersion {
  name: string;
  version: string;
  runId: string;
  /** Where the model's artifacts are: `runs:/RUN_ID/model` or an artifact URI. */
  source: string;
  currentStage: Stage;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  status: 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';
  tags: Record<string, string>;
  aliases: string[];
}

export interface CreateVersionInput {
  name: string;
  source: string;
  runId: string;
  tags?: Record<string, string>;
  description?: string;
}

export interface ModelRegistry {
  getRegisteredModel(name: string): Promise<RegisteredModel | undefined>;
  /** Creates the registered model if it does not exist yet, and returns it. */
  ensureRegisteredModel(name: string, description?: string): Promise<RegisteredModel>;
  createModelVersion(input: CreateVersionInput): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion | undefined>;
  listModelVersions(name: string): Promise<ModelVersion[]>;
  /** The version an alias points at, or undefined when the alias is not set. */
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  /** Moves a version to a stage; with `archiveExisting`, other versions in that stage become Archived. */
  transitionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExisting: boolean,
  ): Promise<ModelVersion>;
  setVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
}
