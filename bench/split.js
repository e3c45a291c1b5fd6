// Figure 2: the chronological split (target any) of the real data with splitDataset. Needs `npm run build`.
import { figure, importDist, medianOf, printHeaderIfAlone, requireData, timeMedian } from './lib.js';

printHeaderIfAlone();
const { readDataset } = await importDist('core/data/read.js');
const { splitDataset } = await importDist('core/data/split.js');
const table = await readDataset(requireData());

const options = { target: 'any', shuffle: false, seed: 42 };
const { value: split, ms, repeats } = await timeMedian(() => splitDataset(table, options));
const sizes = [split.train, split.validation, split.test, split.future].map((part) => part.rows.length);
figure('split (chronological, target any)', ms, [
  `train/validation/test/future ${sizes.join('/')} rows`,
  medianOf(repeats),
]);
