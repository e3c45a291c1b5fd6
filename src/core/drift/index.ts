export type {
  CategoricalValues,
  Category,
  ColumnKind,
  NumericValues,
  ScoreKind,
  StatTestName,
} from './types.js';
export { binnedShares, type BinnedShares } from './binned-shares.js';
export {
  calibrate,
  type CalibrateOptions,
  type CalibrateResult,
  type CalibrationColumn,
} from './calibrate.js';
export { chi2Sf } from './chi2-sf.js';
export { chiSquareTest } from './chi-square-test.js';
export { chisquare, type ChisquareResult } from './chisquare.js';
export { columnDrift, type ColumnDriftInput, type ColumnDriftResult } from './column-drift.js';
export { presentValues } from './column-values.js';
export { compareCategories, countCategories, type CategoryCounts } from './count-categories.js';
export { datasetDrift, type DatasetDriftOptions, type DatasetDriftResult } from './dataset-drift.js';
export { defaultStatTest, type DefaultStatTestInput } from './default-stat-test.js';
export { regularizedGammaQ } from './gamma-q.js';
export { histogramCounts } from './histogram-counts.js';
export { jensenShannonDistance } from './jensen-shannon-distance.js';
export { jensenShannonTest, type JensenShannonResult } from './jensen-shannon-test.js';
export { ks2samp, type Ks2sampOptions, type Ks2sampResult, type KsMethod } from './ks-2samp.js';
export { ksExactPValue } from './ks-exact-p-value.js';
export { kstwoSf } from './kstwo-sf.js';
export { logGamma } from './log-gamma.js';
export { normalSf } from './normal-sf.js';
export { populationStd } from './population-std.js';
export { smirnovSf } from './smirnov-sf.js';
export { isDrift, isStatTestName, STATTESTS, STAT_TEST_INFO, type StatTestInfo } from './stat-tests.js';
export { sturgesBinEdges } from './sturges-bin-edges.js';
export { wassersteinDistance } from './wasserstein-distance.js';
export { wassersteinNormTest, type WassersteinNormResult } from './wasserstein-norm-test.js';
export { zTest, type ZTestResult } from './z-test.js';
