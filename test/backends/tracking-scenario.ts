import { randomBytes } from 'node:crypto';

import type { ModelRegistry } from '../../src/core/registry/types.js';
import { resolveDownloadUri, resolveModelUri } from '../../src/core/tracking/model-uri.js';
import type { Run, TrackingStore } from '../../src/core/tracking/types.js';

/**
 * One scenario for every tracking store: create an experiment and runs, log, search, register, move stages,
 * set and remove aliases, resolve model URIs and download the files. It returns a transcript in which the
 * values that differ by nature between stores (ids, creation times, the artifact root) are replaced by
 * names, so two stores that behave alike give equal transcripts.
 */

export interface ScenarioStores {
  tracking: TrackingStore;
  registry: ModelRegistry;
}

/** Names unique to one run of the scenario, so it can run again against the same live server. */
export function scenarioNames(): { experiment: string; model: string } {
  const suffix = randomBytes(4).toString('hex');
  return { experiment: `HealthPredict_Scenario_${suffix}`, model: `HealthPredict_Scenario_${suffix}` };
}

const T0 = 1_796_285_000_000;

export async function runScenario(
  stores: ScenarioStores,
  names = scenarioNames(),
): Promise<Record<string, unknown>> {
  const { tracking, registry } = stores;
  const transcript: Record<string, unknown> = {};
  const ids = new Map<string, string>();
  const name = (id: string, label: string) => ids.set(id, label);

  // Experiments: created once, found again by name.
  const experiment = await tracking.getOrCreateExperiment(names.experiment, { project: 'HealthPredict' });
  name(experiment.experimentId, '<experiment>');
  const again = await tracking.getOrCreateExperiment(names.experiment);
  transcript.experiment = {
    ...experiment,
    creationTime: typeof experiment.creationTime,
    lastUpdateTime: '-',
  };
  transcript.sameExperiment = again.experimentId === experiment.experimentId;
  transcript.byName =
    (await tracking.getExperimentByName(names.experiment))?.experimentId === experiment.experimentId;
  transcript.missingExperiment = await tracking.getExperimentByName(`${names.experiment}_missing`);

  // Runs: a parent and three trials with explicit start times, so that every order is determined.
  const experimentId = experiment.experimentId;
  const parent = await tracking.createRun({
    experimentId,
    runName: 'parent',
    startTime: T0,
    tags: { 'healthpredict.kind': 'hpo' },
  });
  name(parent.info.runId, '<parent>');
  const trials: Run[] = [];
  for (const [index, label] of ['a', 'b', 'c'].entries()) {
    const run = await tracking.createRun({
      experimentId,
      runName: `trial-${label}`,
      parentRunId: parent.info.runId,
      startTime: T0 + 1000 * (index + 1),
      tags: { model_family: 'xgboost', trial: String(index) },
    });
    name(run.info.runId, `<${label}>`);
    trials.push(run);
  }
  const [a, b, c] = trials.map((run) => run.info.runId);
  transcript.createdRun = trials[0];

  const history = (values: number[]) =>
    values.map((value, step) => ({ key: 'val_auc', value, timestamp: T0 + step, step }));
  await tracking.logBatch(a, {
    params: { max_depth: 6, eta: 0.1, booster: 'gbtree' },
    metrics: history([0.61, 0.68, 0.7]),
    tags: { rung: '2' },
  });
  await tracking.logBatch(b, {
    params: { max_depth: 3, eta: 0.3, booster: 'gbtree' },
    metrics: history([0.6, 0.65]),
  });
  await tracking.logBatch(c, {
    params: { max_depth: 8 },
    metrics: [{ key: 'val_loss', value: 0.5, timestamp: T0, step: 0 }],
  });
  await tracking.logBatch(parent.info.runId, { params: { families: 'xgboost', trials: 3 } });
  await tracking.setTag(a, 'best_hpo_model', 'True');
  for (const runId of [a, b, parent.info.runId]) await tracking.updateRun(runId, 'FINISHED', T0 + 10_000);
  await tracking.updateRun(c, 'FAILED', T0 + 10_000);

  transcript.runA = await tracking.getRun(a);
  transcript.historyA = await tracking.getMetricHistory(a, 'val_auc');
  transcript.historyNone = await tracking.getMetricHistory(a, 'never_logged');
  const ofRuns = (runs: Run[]) => runs.map((run) => run.info.runId);
  transcript.searchBest = ofRuns(
    await tracking.searchRuns({
      experimentIds: [experimentId],
      tags: { 'mlflow.parentRunId': parent.info.runId, best_hpo_model: 'True' },
      status: ['FINISHED'],
    }),
  );
  transcript.searchAll = ofRuns(await tracking.searchRuns({ experimentIds: [experimentId] }));
  transcript.searchByAuc = ofRuns(
    await tracking.searchRuns({ experimentIds: [experimentId], orderByMetricDesc: 'val_auc' }),
  );
  transcript.searchEnded = ofRuns(
    await tracking.searchRuns({ experimentIds: [experimentId], status: ['FINISHED', 'FAILED'] }),
  );
  transcript.searchFailed = ofRuns(
    await tracking.searchRuns({ experimentIds: [experimentId], status: ['FAILED'] }),
  );
  transcript.searchNone = ofRuns(
    await tracking.searchRuns({ experimentIds: [experimentId], tags: { trial: 'none' } }),
  );

  // Artifacts.
  const files: Record<string, string> = {
    'model/MLmodel': 'artifact_path: model\nflavors:\n  healthpredict: {}\n',
    'model/model.json': JSON.stringify({ format: 'healthpredict-model/1' }),
    'notes.txt': 'trial a',
  };
  for (const [path, content] of Object.entries(files)) await tracking.logArtifact(a, path, content);
  await tracking.logArtifact(b, 'model/model.json', '{"b":1}');
  transcript.artifactsA = await tracking.listArtifacts(a);
  transcript.artifactsModel = await tracking.listArtifacts(a, 'model');
  transcript.artifactsMissingDir = await tracking.listArtifacts(a, 'no_such_dir');
  transcript.readBack = (await tracking.readArtifact(a, 'model/model.json')).toString('utf8');
  transcript.readMissing = await failure(tracking.readArtifact(a, 'model/missing.pkl'));

  // Registry: two versions, stages, aliases.
  const model = names.model;
  const created = await registry.ensureRegisteredModel(model);
  const ensured = await registry.ensureRegisteredModel(model);
  transcript.model = {
    ...created,
    creationTimestamp: '-',
    lastUpdatedTimestamp: '-',
    sameAgain: ensured.name === created.name,
  };
  const v1 = await registry.createModelVersion({
    name: model,
    source: `runs:/${a}/model`,
    runId: a,
    tags: { val_auc: '0.7' },
  });
  const v2 = await registry.createModelVersion({ name: model, source: `runs:/${b}/model`, runId: b });
  transcript.versions = [v1, v2];
  transcript.listed = (await registry.listModelVersions(model)).map((v) => v.version);
  transcript.staging = (await registry.transitionStage(model, '1', 'Production', true)).currentStage;
  await registry.transitionStage(model, '2', 'Production', true);
  transcript.stagesAfter = (await registry.listModelVersions(model)).map((v) => [v.version, v.currentStage]);
  await registry.setAlias(model, 'champion', '2');
  transcript.champion = await registry.getVersionByAlias(model, 'champion');
  transcript.challenger = await registry.getVersionByAlias(model, 'challenger');
  transcript.aliases = (await registry.getRegisteredModel(model))?.aliases;
  await registry.setVersionTag(model, '2', 'gate.decision', 'promoted');
  transcript.taggedVersion = (await registry.getModelVersion(model, '2'))?.tags;
  await registry.deleteAlias(model, 'champion');
  transcript.afterDelete = await registry.getVersionByAlias(model, 'champion');
  await registry.setAlias(model, 'champion', '1');
  transcript.missingVersion = await registry.getModelVersion(model, '99');
  transcript.missingModel = await registry.getRegisteredModel(`${model}_missing`);

  // Model URIs and downloads, resolved by the same code over either store.
  transcript.uris = {
    alias: await resolveModelUri(`models:/${model}@champion`, stores),
    version: await resolveModelUri(`models:/${model}/2`, stores),
    latest: await resolveModelUri(`models:/${model}/latest`, stores),
    run: await resolveModelUri(`runs:/${a}/model`, stores),
    proxy: await resolveModelUri(`mlflow-artifacts:/${experimentId}/${a}/artifacts/model`, stores),
  };
  transcript.downloadUri = await resolveDownloadUri(v1.source, tracking);
  const resolved = transcript.uris as Record<string, { runId: string; artifactPath: string }>;
  transcript.downloaded = (
    await tracking.readArtifact(resolved.alias.runId, `${resolved.alias.artifactPath}/model.json`)
  ).toString('utf8');

  // Refusals both stores share.
  transcript.errors = {
    missingRun: await failure(tracking.getRun('0123456789abcdef0123456789abcdef')),
    longParam: await failure(tracking.logBatch(a, { params: { long: 'x'.repeat(6001) } })),
    runNameMismatch: await failure(
      tracking.createRun({ experimentId, runName: 'x', tags: { 'mlflow.runName': 'y' } }),
    ),
    badStage: await failure(registry.transitionStage(model, '1', 'Prod' as 'Production', false)),
    aliasMissingVersion: await failure(registry.setAlias(model, 'champion', '99')),
    versionOfMissingModel: await failure(
      registry.createModelVersion({ name: `${model}_missing`, source: `runs:/${a}/model`, runId: a }),
    ),
  };

  return normalize(transcript, ids, names) as Record<string, unknown>;
}

async function failure(promise: Promise<unknown>): Promise<{ kind: string; exitCode: number } | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    const failed = error as { name: string; exitCode?: number };
    return { kind: failed.name, exitCode: failed.exitCode ?? -1 };
  }
}

const TIME_FIELDS = new Set(['creationTimestamp', 'lastUpdatedTimestamp', 'creationTime', 'lastUpdateTime']);

/** Ids become their labels, artifact URIs lose the store's root, registry times become "<ts>". */
function normalize(
  value: unknown,
  ids: Map<string, string>,
  names: { experiment: string; model: string },
): unknown {
  if (typeof value === 'string') {
    let text = value.replaceAll(names.experiment, '<name>');
    for (const [id, label] of ids) {
      // Run ids are 32 hex digits and safe anywhere; an experiment id ("3") only as a whole or a path segment.
      if (label !== '<experiment>') text = text.replaceAll(id, label);
      else text = text.replace(new RegExp(`(?<=[:/])${id}(?=/|$)`), label);
    }
    // file:///…/mlruns/<experiment>/<run>/artifacts and mlflow-artifacts:/<experiment>/<run>/artifacts
    return text.replace(/^(file:\/\/\/.*\/|mlflow-artifacts:(\/\/[^/]+)?\/)(?=<experiment>)/, '<root>/');
  }
  if (Array.isArray(value)) return value.map((item) => normalize(item, ids, names));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        TIME_FIELDS.has(key) && typeof item === 'number'
          ? '<ts>'
          : key === 'experimentId'
            ? (ids.get(item as string) ?? item)
            : normalize(item, ids, names),
      ]),
    );
  }
  return value;
}
