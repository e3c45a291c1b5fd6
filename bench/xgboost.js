// Figure 4: one native XGBoost fit with fixed parameters on the initial-train matrix, then scoring the future
// rows with the TypeScript tree scorer (and, for comparison, with the native booster). Needs `npm run build`.
import {
  figure,
  importDist,
  loadChronologicalSplit,
  medianOf,
  printHeaderIfAlone,
  timeMedian,
} from './lib.js';

printHeaderIfAlone();
const { fitPreprocessor, transform } = await importDist('core/features/preprocessor.js');
const { prepareSplit } = await importDist('core/pipeline/prepared-data.js');
const { withoutExcludedDispositions } = await importDist('core/features/engineer.js');
const { Booster } = await importDist('core/models/xgboost/booster.js');
const { parseXGBoostModel, predictProba } = await importDist('core/models/xgboost/tree-scorer.js');

const { split } = await loadChronologicalSplit();
const cleaned = withoutExcludedDispositions(split.train);
const spec = fitPreprocessor(cleaned);
const train = prepareSplit(spec, cleaned);
const future = transform(spec, split.future, { imputeMissing: true });

const rounds = 200;
const params = { max_depth: 6, eta: 0.1, nthread: 2 };
let booster;
const fit = await timeMedian(() => {
  booster?.dispose();
  booster = Booster.create(train.matrix, train.labels, params);
  booster.update(rounds);
});
const shape = `${train.matrix.rows} x ${train.matrix.cols}`;
figure('xgboost fit', fit.ms, [
  `${rounds} rounds, max_depth 6, eta 0.1, nthread 2`,
  shape,
  medianOf(fit.repeats),
]);

const ensemble = parseXGBoostModel(booster.toJson());
const scored = await timeMedian(() => predictProba(ensemble, future));
figure('TS tree scorer on future rows', scored.ms, [
  `${future.rows} rows, ${ensemble.roots.length} trees`,
  medianOf(scored.repeats),
]);

const native = await timeMedian(() => booster.predict(future));
let largest = 0;
for (let i = 0; i < future.rows; i++)
  largest = Math.max(largest, Math.abs(native.value[i] - scored.value[i]));
figure('native booster.predict on future rows', native.ms, [
  `max |TS - native| ${largest.toExponential(1)}`,
  medianOf(native.repeats),
]);
booster.dispose();
