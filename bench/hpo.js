// Figure 5: a 20-trial TPE + ASHA search on xgboost through trainModels (tracked in a temporary MLflow
// FileStore) against 20 trials trained to the maximum resource (270 rounds), once with the family's defaults
// and once with the parameters the search proposed, run as trainModels runs trials (2 at a time, 1 native
// thread each, validation and test scored once, seeds as trainModels gives them). The second baseline
// separates the rounds early stopping saved from the cost of the parameters the search chose (deeper trees
// cost more per round). All times include preparing the feature matrices. Needs `npm run build` first.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { figure, importDist, loadChronologicalSplit, printHeaderIfAlone, timeOnce } from './lib.js';

process.env.HEALTHPREDICT_QUIET = '1';
printHeaderIfAlone();
const { trainModels } = await importDist('core/pipeline/train.js');
const { openTracking } = await importDist('core/tracking/index.js');
const { familyDefinition } = await importDist('core/models/families.js');
const { prepareTrainingData } = await importDist('core/pipeline/prepared-data.js');

const TRIALS = 20;
const SEED = 42;
const THREADS = 2;
const CONCURRENCY = 2;
const { split } = await loadChronologicalSplit();
const splits = { train: split.train, validation: split.validation, test: split.test };
const definition = familyDefinition('xgboost');

const directory = await mkdtemp(join(tmpdir(), 'healthpredict-bench-hpo-'));
let search;
try {
  const { tracking } = openTracking(join(directory, 'mlruns'));
  const options = { tracking, splits, families: ['xgboost'], hpo: true, trials: TRIALS, seed: SEED };
  search = await timeOnce(() =>
    trainModels({ ...options, threads: THREADS, concurrency: CONCURRENCY, target: 'any' }),
  );
} finally {
  await rm(directory, { recursive: true, force: true });
}
const trials = search.value.families[0].trials;
const searchRounds = trials.reduce((sum, trial) => sum + trial.resource, 0);
const stopped = trials.filter((trial) => trial.status === 'stopped').length;
figure(`hpo ${TRIALS} trials xgboost (TPE + ASHA, tracked)`, search.ms, [
  `${searchRounds} rounds in all`,
  `${stopped} stopped early`,
  'single run',
]);

const fullRounds = TRIALS * definition.maxResource;
const roundRatio = (fullRounds / searchRounds).toFixed(2);
const baselines = [
  { name: 'defaults', params: () => definition.defaults },
  { name: "the search's own params", params: (id) => trials.find((trial) => trial.trial === id).params },
];
for (const baseline of baselines) {
  const full = await timeOnce(() => fullTrials(TRIALS, baseline.params));
  const label = `${TRIALS} full trials xgboost (${definition.maxResource} rounds, ${baseline.name})`;
  figure(label, full.ms, [`${fullRounds} rounds in all`, 'single run']);
  const ratio = (full.ms / search.ms).toFixed(2);
  console.log(`hpo speed-up over ${baseline.name}: ${ratio}x wall time, ${roundRatio}x fewer rounds`);
}

/**
 * Trains `count` trials to the maximum resource, `CONCURRENCY` at a time, as trainModels schedules them;
 * `paramsOf(id)` gives trial `id` its parameters.
 */
async function fullTrials(count, paramsOf) {
  const data = prepareTrainingData(splits);
  const threads = Math.max(1, Math.floor(THREADS / CONCURRENCY));
  for (let first = 0; first < count; first += CONCURRENCY) {
    const ids = Array.from({ length: Math.min(CONCURRENCY, count - first) }, (_, i) => first + i);
    await Promise.all(ids.map((id) => fullTrial(data, id, paramsOf(id), threads)));
  }
}

async function fullTrial(data, id, params, threads) {
  const seed = (SEED * 1009 + id) >>> 0;
  const trainer = definition.create(data.train.matrix, data.train.labels, params, { seed, threads });
  try {
    await trainer.advanceTo(definition.maxResource);
    trainer.predict(data.validation.matrix);
    trainer.predict(data.test.matrix);
  } finally {
    trainer.dispose();
  }
}
