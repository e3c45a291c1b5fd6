import { EXIT_CODES, UserError } from '../errors/index.js';
import type { Table } from '../data/table.js';
import { evaluateBinary } from '../evaluation/index.js';
import { readArtifact, ARTIFACT_PATH, type ModelArtifact } from '../models/artifact.js';
import { scoreTable } from '../models/scorer.js';
import type { ModelFamily } from '../models/types.js';
import type { ModelRegistry, ModelVersion } from '../registry/types.js';
import type { Run, TrackingStore } from '../tracking/types.js';
import { info } from '../util/log.js';
import { labelsOf, requireBothClasses } from './prepared-data.js';
import { TRAINING_EXPERIMENT } from './train.js';
import { withoutExcludedDispositions } from '../features/engineer.js';

export const CHAMPION_MODEL = 'HealthPredict';
export const CHAMPION_ALIAS = 'champion';

export const FAMILY_MODEL_NAMES: Record<ModelFamily, string> = {
  logistic: 'HealthPredict_Logistic',
  'random-forest': 'HealthPredict_RandomForest',
  xgboost: 'HealthPredict_XGBoost',
};

export interface RegisterOptions {
  tracking: TrackingStore;
  registry: ModelRegistry;
  /** The training invocation (parent run) whose best runs are the candidates; default the latest one. */
  parentRunId?: string;
  /** Rows that challenger and champion are both scored on. */
  evaluation: Table;
  /** The challenger is promoted when its AUC is at least the champion's minus this (default 0.02). */
  maxAucDrop: number;
}

export interface GateResult {
  challengerAuc: number;
  championAuc: number | null;
  championVersion: string | null;
  maxAucDrop: number;
  evaluationRows: number;
  promoted: boolean;
  reason: string;
}

export interface RegisterResult {
  parentRunId: string;
  familyVersions: { family: ModelFamily; name: string; version: string; runId: string; valRocAuc: number }[];
  challenger: { name: string; version: string; runId: string; family: ModelFamily };
  gate: GateResult;
  /** The champion's version after this command. */
  championVersion: string;
}

/**
 * Registers the best run of each family of one training invocation, makes the overall best a version of
 * `HealthPredict`, and promotes it to champion only through the quality gate.
 */
export async function registerModels(options: RegisterOptions): Promise<RegisterResult> {
  const { tracking, registry } = options;
  const parent = await findParentRun(tracking, options.parentRunId);
  const candidates = await bestRunsOf(tracking, parent);

  // Every candidate's model is read whole before anything is registered, so that a failing store or server
  // leaves no version, and no champion alias, pointing at a model that cannot be loaded.
  const artifacts = new Map<string, ModelArtifact>();
  for (const run of candidates)
    artifacts.set(run.info.runId, await loadRunArtifact(tracking, run.info.runId));

  const familyVersions: RegisterResult['familyVersions'] = [];
  for (const run of candidates) {
    const family = run.tags.model_family as ModelFamily;
    const version = await registerVersion(registry, FAMILY_MODEL_NAMES[family], run);
    familyVersions.push({
      family,
      name: version.name,
      version: version.version,
      runId: run.info.runId,
      valRocAuc: run.metrics.val_roc_auc,
    });
  }

  const best = [...candidates].sort((a, b) => b.metrics.val_roc_auc - a.metrics.val_roc_auc)[0];
  const challengerArtifact = artifacts.get(best.info.runId) as ModelArtifact;
  const challenger = await registerVersion(registry, CHAMPION_MODEL, best);
  const gate = await qualityGate(options, challengerArtifact);
  // The decision is recorded once it has taken effect, so a version tagged "promoted" was promoted.
  if (gate.promoted) await promote(registry, challenger.version);
  await recordGate(registry, challenger, gate);
  info(
    gate.promoted
      ? `promoted ${CHAMPION_MODEL} version ${challenger.version} to ${CHAMPION_ALIAS}: ${gate.reason}`
      : `registered ${CHAMPION_MODEL} version ${challenger.version} but did not promote it: ${gate.reason}`,
  );
  return {
    parentRunId: parent.info.runId,
    familyVersions,
    challenger: {
      name: CHAMPION_MODEL,
      version: challenger.version,
      runId: best.info.runId,
      family: best.tags.model_family as ModelFamily,
    },
    gate,
    championVersion: gate.promoted ? challenger.version : (gate.championVersion as string),
  };
}

async function findParentRun(tracking: TrackingStore, parentRunId?: string): Promise<Run> {
  if (parentRunId) {
    const parent = await tracking.getRun(parentRunId);
    if (parent.info.status !== 'FINISHED') {
      throw new UserError(
        `the training run ${parentRunId} is ${parent.info.status}; a failed or interrupted training registers nothing`,
        'train again, or give a finished training run',
        EXIT_CODES.notFound,
      );
    }
    return parent;
  }
  const experiment = await tracking.getExperimentByName(TRAINING_EXPERIMENT);
  const parents = experiment
    ? (await tracking.searchRuns({ experimentIds: [experiment.experimentId], status: ['FINISHED'] })).filter(
        (run) => run.tags['healthpredict.kind'] !== undefined && run.tags['mlflow.parentRunId'] === undefined,
      )
    : [];
  if (parents.length === 0) {
    throw new UserError(
      `no finished training run in the experiment ${TRAINING_EXPERIMENT} of ${tracking.uri}`,
      'run `healthpredict train` first',
      EXIT_CODES.notFound,
    );
  }
  return parents.sort((a, b) => b.info.startTime - a.info.startTime)[0];
}

async function bestRunsOf(tracking: TrackingStore, parent: Run): Promise<Run[]> {
  const runs = await tracking.searchRuns({
    experimentIds: [parent.info.experimentId],
    tags: { 'mlflow.parentRunId': parent.info.runId, best_hpo_model: 'True' },
    status: ['FINISHED'],
  });
  if (runs.length === 0) {
    throw new UserError(
      `the training run ${parent.info.runId} has no finished run tagged best_hpo_model=True`,
      'train again; an interrupted training run registers nothing',
      EXIT_CODES.notFound,
    );
  }
  return runs;
}

/** A run already registered under the name keeps its version, so that registering again (a retry) adds nothing. */
async function registerVersion(registry: ModelRegistry, name: string, run: Run): Promise<ModelVersion> {
  await registry.ensureRegisteredModel(name);
  const existing = (await registry.listModelVersions(name)).find((v) => v.runId === run.info.runId);
  if (existing) return existing;
  return registry.createModelVersion({
    name,
    source: `runs:/${run.info.runId}/${ARTIFACT_PATH}`,
    runId: run.info.runId,
    tags: {
      model_family: run.tags.model_family,
      val_roc_auc: String(run.metrics.val_roc_auc),
      test_roc_auc: String(run.metrics.test_roc_auc),
    },
  });
}

export async function loadRunArtifact(tracking: TrackingStore, runId: string): Promise<ModelArtifact> {
  return readArtifact(
    (name) => tracking.readArtifact(runId, `${ARTIFACT_PATH}/${name}`),
    `runs:/${runId}/${ARTIFACT_PATH}`,
  );
}

/** The champion's version and artifact, or undefined when there is no champion yet. */
export async function loadChampion(
  tracking: TrackingStore,
  registry: ModelRegistry,
): Promise<{ version: ModelVersion; artifact: ModelArtifact } | undefined> {
  const version = await registry.getVersionByAlias(CHAMPION_MODEL, CHAMPION_ALIAS);
  if (!version) return undefined;
  return { version, artifact: await loadRunArtifact(tracking, version.runId) };
}

/** Champion and challenger on the same rows, each with its own preprocessor. */
async function qualityGate(options: RegisterOptions, challenger: ModelArtifact): Promise<GateResult> {
  const evaluation = withoutExcludedDispositions(options.evaluation);
  const labels = labelsOf(evaluation);
  requireBothClasses(labels, evaluation.source);
  const challengerAuc = evaluateBinary(
    labels,
    scoreTable(challenger, evaluation),
    challenger.descriptor.threshold,
  ).rocAuc;
  const champion = await loadChampion(options.tracking, options.registry);
  const base = { challengerAuc, maxAucDrop: options.maxAucDrop, evaluationRows: evaluation.rows.length };
  if (!champion) {
    return {
      ...base,
      championAuc: null,
      championVersion: null,
      promoted: true,
      reason: 'there was no champion',
    };
  }

  const championAuc = evaluateBinary(
    labels,
    scoreTable(champion.artifact, evaluation),
    champion.artifact.descriptor.threshold,
  ).rocAuc;
  const promoted = challengerAuc >= championAuc - options.maxAucDrop;
  const comparison = `challenger AUC ${challengerAuc.toFixed(4)} vs champion v${champion.version.version} ${championAuc.toFixed(4)}`;
  return {
    ...base,
    championAuc,
    championVersion: champion.version.version,
    promoted,
    reason: promoted
      ? `${comparison}, within the allowed drop of ${options.maxAucDrop}`
      : `${comparison}, more than ${options.maxAucDrop} worse`,
  };
}

async function recordGate(registry: ModelRegistry, version: ModelVersion, gate: GateResult): Promise<void> {
  const tags: Record<string, string> = {
    'gate.challenger_auc': String(gate.challengerAuc),
    'gate.champion_auc': gate.championAuc === null ? 'none' : String(gate.championAuc),
    'gate.champion_version': gate.championVersion ?? 'none',
    'gate.max_auc_drop': String(gate.maxAucDrop),
    'gate.decision': gate.promoted ? 'promoted' : 'rejected',
  };
  for (const [key, value] of Object.entries(tags))
    await registry.setVersionTag(version.name, version.version, key, value);
}

/**
 * Sets the alias first, then the stage for older MLflow clients, archiving the previous Production version.
 * The challenger's model was read whole before this, so whichever step a failure stops at, the alias points at
 * the previous champion or at a complete model.
 */
async function promote(registry: ModelRegistry, version: string): Promise<void> {
  await registry.setAlias(CHAMPION_MODEL, CHAMPION_ALIAS, version);
  await registry.transitionStage(CHAMPION_MODEL, version, 'Production', true);
}
