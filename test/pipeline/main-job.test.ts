/**
 * The main job's services on the real data set, in the order an operator runs them: split, train with HPO,
 * register behind the gate, monitor. The accuracy floors come from a scikit-learn and XGBoost reference run
 * on the same chronological split (test ROC AUC 0.703 for XGBoost, 0.697 for the random forest, 0.686 for
 * logistic regression), less a small margin.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { loadSplits, splitData, type StoredSplits } from '../../src/core/pipeline/split.js';
import { trainModels, type TrainResult } from '../../src/core/pipeline/train.js';
import { loadChampion, loadRunArtifact, registerModels } from '../../src/core/pipeline/register.js';
import { monitorBatch } from '../../src/core/pipeline/monitor.js';
import { prepareSplit } from '../../src/core/pipeline/prepared-data.js';
import { scoreTable } from '../../src/core/models/scorer.js';
import { Booster } from '../../src/core/models/xgboost/booster.js';
import { withoutExcludedDispositions } from '../../src/core/features/engineer.js';
import { parseCsv } from '../../src/core/data/read.js';
import { LocalStore } from '../../src/core/storage/index.js';
import { openTracking } from '../../src/core/tracking/index.js';
import { rungResources } from '../../src/core/tuning/asha.js';
import { familyDefinition } from '../../src/core/models/families.js';
import type { ModelFamily } from '../../src/core/models/types.js';

const DATA =
  process.env.HEALTHPREDICT_TEST_DATA ?? join(__dirname, '../../../shared/data/diabetic_data.csv.gz');
const TRIALS = 12;
const SEED = 42;

process.env.HEALTHPREDICT_QUIET = '1';

describe('the main job on the real data set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hp-main-'));
  const store = new LocalStore(join(dir, 'store'));
  const { tracking, registry } = openTracking(join(dir, 'mlruns'));
  let splits: StoredSplits;
  let first: TrainResult;

  const train = (seed: number, families: ModelFamily[] = ['logistic', 'random-forest', 'xgboost']) =>
    trainModels({ tracking, splits, families, hpo: true, trials: TRIALS, seed, threads: 2, target: 'any' });

  beforeAll(async () => {
    await splitData(store, { source: DATA, target: 'any', shuffle: false, seed: SEED, batches: 5 });
    splits = await loadSplits(store);
    first = await train(SEED);
  });

  it('reaches the reference accuracy on initial_test for every family', () => {
    const auc = Object.fromEntries(first.families.map((f) => [f.family, f.testRocAuc]));
    expect(auc.xgboost).toBeGreaterThanOrEqual(0.695);
    expect(auc['random-forest']).toBeGreaterThanOrEqual(0.685);
    expect(auc.logistic).toBeGreaterThanOrEqual(0.675);
  });

  it('selects the same model with the same validation AUC under the same seed', async () => {
    const again = await train(SEED);
    for (const [i, family] of first.families.entries()) {
      expect(again.families[i].family).toBe(family.family);
      expect(again.families[i].params).toEqual(family.params);
      expect(Math.abs(again.families[i].valRocAuc - family.valRocAuc)).toBeLessThan(1e-9);
    }
  });

  it('stops trials early at real rungs, and records them in the runs', async () => {
    for (const result of first.families) {
      const rungs = rungResources({ ...familyDefinition(result.family), trials: TRIALS });
      const stopped = result.trials.filter((t) => t.status === 'stopped');
      expect(stopped.length).toBeGreaterThan(0);
      for (const trial of result.trials) {
        const run = await tracking.getRun(trial.runId);
        expect(run.tags.stopped_early).toBe(trial.status === 'stopped' ? 'True' : 'False');
        expect(run.tags.rung).toBe(String(trial.rung));
        expect(run.tags['mlflow.parentRunId']).toBe(first.parentRunId);
        const history = await tracking.getMetricHistory(trial.runId, 'val_roc_auc');
        expect(history.map((point) => point.step)).toEqual(rungs.slice(0, trial.rung + 1));
        for (const key of [
          'test_roc_auc',
          'val_pr_auc',
          'val_log_loss',
          'val_brier',
          'val_f1',
          'threshold',
        ]) {
          expect(run.metrics[key]).toBeTypeOf('number');
        }
      }
      // The resource spent is far less than every trial trained to the top rung.
      const spent = result.trials.reduce((sum, t) => sum + rungs[t.rung], 0);
      expect(spent).toBeLessThan(0.5 * TRIALS * rungs[rungs.length - 1]);
    }
  });

  it('records the budget, the best trial and its parameters on the parent run', async () => {
    const parent = await tracking.getRun(first.parentRunId);
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.params.budget_trials_per_family).toBe(String(TRIALS));
    for (const family of first.families) {
      expect(parent.tags[`best_run_id.${family.family}`]).toBe(family.bestRunId);
      expect(parent.tags[`best_trial.${family.family}`]).toBe(String(family.bestTrial));
      for (const [name, value] of Object.entries(family.params)) {
        expect(parent.params[`best.${family.family}.${name}`]).toBe(String(value));
      }
      const best = await tracking.getRun(family.bestRunId);
      expect(best.tags.best_hpo_model).toBe('True');
      expect(best.tags.model_family).toBe(family.family);
    }
  });

  it('scores every test row as XGBoost itself does, to 1e-6, from the saved model', async () => {
    const test = withoutExcludedDispositions(splits.test);
    for (const family of first.families.filter((f) => f.family !== 'logistic')) {
      const artifact = await loadRunArtifact(tracking, family.bestRunId);
      const ours = scoreTable(artifact, test);
      const booster = Booster.fromJson(artifact.weights);
      const native = booster.predict(prepareSplit(artifact.preprocessor, test).matrix);
      booster.dispose();
      expect(ours.length).toBe(test.rows.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - native[i]));
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('promotes the first champion, then refuses a worse challenger but keeps it registered', async () => {
    const registered = await registerModels({
      tracking,
      registry,
      parentRunId: first.parentRunId,
      evaluation: splits.test,
      maxAucDrop: 0.02,
    });
    expect(registered.gate.promoted).toBe(true);
    expect(registered.challenger.family).toBe('xgboost');
    const champion = await registry.getVersionByAlias('HealthPredict', 'champion');
    expect(champion?.version).toBe(registered.challenger.version);
    expect(champion?.currentStage).toBe('Production');

    // Registering the same invocation again (a retried task) adds no version and keeps the champion.
    const again = await registerModels({
      tracking,
      registry,
      parentRunId: first.parentRunId,
      evaluation: splits.test,
      maxAucDrop: 0.02,
    });
    expect(again.challenger.version).toBe(registered.challenger.version);
    expect(again.familyVersions.map((v) => v.version)).toEqual(
      registered.familyVersions.map((v) => v.version),
    );
    expect((await registry.listModelVersions('HealthPredict')).length).toBe(1);

    // A logistic-only invocation is worse than the XGBoost champion; with no tolerance it must not be promoted.
    const worse = await train(SEED, ['logistic']);
    const rejected = await registerModels({
      tracking,
      registry,
      parentRunId: worse.parentRunId,
      evaluation: splits.test,
      maxAucDrop: 0,
    });
    expect(rejected.gate.promoted).toBe(false);
    expect(rejected.gate.challengerAuc).toBeLessThan(rejected.gate.championAuc as number);
    expect(rejected.championVersion).toBe(registered.challenger.version);
    expect((await registry.getVersionByAlias('HealthPredict', 'champion'))?.version).toBe(
      registered.challenger.version,
    );
    const version = await registry.getModelVersion('HealthPredict', rejected.challenger.version);
    expect(version?.tags['gate.decision']).toBe('rejected');
    expect(version?.currentStage).toBe('None');
  });

  it("monitors against the champion's own stored reference sample", async () => {
    const champion = await loadChampion(tracking, registry);
    const reference = withoutExcludedDispositions(parseCsv(champion!.artifact.referenceCsv, 'reference'));
    const result = await monitorBatch({
      store,
      tracking,
      registry,
      batch: 1,
      driftShare: 0.5,
      maxAucDrop: 0.02,
      seed: SEED,
    });
    expect(result.championVersion).toBe(champion!.version.version);
    expect(result.referenceRows).toBe(reference.rows.length);
    expect(result.rows).toBe(withoutExcludedDispositions(splits.batches[0]).rows.length);
    expect(result.columns.length).toBe(44);
    expect(await store.exists('drift/batch_01/report.json')).toBe(true);
    expect(await store.exists('drift/batch_01/report.html')).toBe(true);
    const run = await tracking.getRun(result.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.metrics.drift_share).toBeCloseTo(result.driftShare, 12);
  });
});
