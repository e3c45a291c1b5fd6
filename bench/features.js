// Figure 3: the feature matrix: fitPreprocessor and transform on the initial train split, transform on the
// future rows. Train is cleaned of excluded dispositions first, as training does. Needs `npm run build`.
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
const { withoutExcludedDispositions } = await importDist('core/features/engineer.js');
const { split } = await loadChronologicalSplit();
const train = withoutExcludedDispositions(split.train);
const options = { imputeMissing: true };

const fit = await timeMedian(() => fitPreprocessor(train));
const spec = fit.value;
figure('fitPreprocessor on initial train', fit.ms, [`${train.rows.length} rows`, medianOf(fit.repeats)]);

const encoded = await timeMedian(() => transform(spec, train, options));
const shape = (matrix) => `${matrix.rows} x ${matrix.cols}`;
figure('transform initial train', encoded.ms, [shape(encoded.value), medianOf(encoded.repeats)]);

const future = await timeMedian(() => transform(spec, split.future, options));
figure('transform future rows', future.ms, [shape(future.value), medianOf(future.repeats)]);
