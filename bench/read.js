// Figure 1: reading and validating the real CSV.gz with readDataset. Needs `npm run build` first.
import { figure, importDist, medianOf, printHeaderIfAlone, requireData, timeMedian } from './lib.js';

printHeaderIfAlone();
const { readDataset } = await importDist('core/data/read.js');
const file = requireData();

const { value: table, ms, repeats } = await timeMedian(() => readDataset(file));
figure('read+validate csv.gz', ms, [
  `${table.rows.length} rows`,
  `${table.columns.length} columns`,
  medianOf(repeats),
]);
