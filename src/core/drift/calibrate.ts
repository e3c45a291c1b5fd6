import { UserError } from '../errors/index.js';
import { Random } from '../util/random.js';
import { columnDrift, type ColumnDriftInput } from './column-drift.js';
import { presentValues } from './column-values.js';
import { defaultStatTest } from './default-stat-test.js';
import type { CategoricalValues, Category, NumericValues, StatTestName } from './types.js';

interface CalibrationColumnCommon {
  name: string;
  /** A forced test, as for the monitored batches; by default the one Evidently picks for the reference. */
  stattest?: StatTestName;
  threshold?: number;
}

export type CalibrationColumn =
  | (CalibrationColumnCommon & { kind: 'numeric'; values: NumericValues })
  | (CalibrationColumnCommon & { kind: 'categorical'; values: CategoricalValues });

export interface CalibrateOptions {
  /** The reference columns, all with the same number of rows. */
  reference: CalibrationColumn[];
  /** Rows in each bootstrap sample: the size of the batches being monitored. */
  batchSize: number;
  /** Bootstrap rounds. Default 100. */
  iterations?: number;
  /** Seed of the generator that draws the rows. Default 0. */
  seed?: number;
  /** The dataset drift share, to report how often noise alone would reach it. Default 0.5. */
  driftShare?: number;
}

export interface CalibrateResult {
  batchSize: number;
  iterations: number;
  seed: number;
  driftShare: number;
  /** The test each column was checked with. */
  stattests: Record<string, StatTestName>;
  /** The drift share of each round, in order. */
  shares: number[];
  mean: number;
  /** The 95th percentile, interpolated linearly between order statistics as numpy's default. */
  p95: number;
  max: number;
  /** The fraction of rounds whose share reached driftShare: the false alarm rate of the dataset rule. */
  falseAlarmRate: number;
  /** The fraction of rounds in which each column drifted. */
  columnDriftRates: Record<string, number>;
}

/**
 * How much drift share noise alone gives: draws two samples of `batchSize` rows from the reference (with
 * replacement, the same rows for every column), tests every column between them and records the share of
 * drifted columns, `iterations` times.
 *
 * Each column keeps one test for all rounds, the forced one or the one Evidently would pick for the whole
 * reference (its size and distinct values), so the noise is measured with the tests that the monitor applies
 * to a batch against that reference; thresholds are the tests' defaults unless given.
 *
 * @param options - see {@link CalibrateOptions}
 * @returns the share of every round and its mean, 95th percentile and maximum
 */
export function calibrate(options: CalibrateOptions): CalibrateResult {
  const { reference, batchSize, iterations = 100, seed = 0, driftShare = 0.5 } = options;
  const rows = checkOptions(reference, batchSize, iterations, seed, driftShare);

  const stattests: Record<string, StatTestName> = {};
  for (const column of reference) stattests[column.name] = column.stattest ?? referenceDefault(column);

  const random = new Random(seed);
  const shares: number[] = [];
  const drifts: Record<string, number> = Object.fromEntries(reference.map((column) => [column.name, 0]));
  const first = new Int32Array(batchSize);
  const second = new Int32Array(batchSize);
  for (let round = 0; round < iterations; round++) {
    for (let i = 0; i < batchSize; i++) first[i] = random.int(rows);
    for (let i = 0; i < batchSize; i++) second[i] = random.int(rows);

    let drifted = 0;
    for (const column of reference) {
      const result = columnDrift(bootstrapInput(column, first, second, stattests[column.name]));
      if (result.drifted) {
        drifted++;
        drifts[column.name]++;
      }
    }
    shares.push(drifted / reference.length);
  }

  const sorted = [...shares].sort((a, b) => a - b);
  return {
    batchSize,
    iterations,
    seed,
    driftShare,
    stattests,
    shares,
    mean: shares.reduce((sum, share) => sum + share, 0) / iterations,
    p95: quantile(sorted, 0.95),
    max: sorted[sorted.length - 1],
    falseAlarmRate: shares.filter((share) => share >= driftShare).length / iterations,
    columnDriftRates: Object.fromEntries(Object.entries(drifts).map(([name, n]) => [name, n / iterations])),
  };
}

function referenceDefault(column: CalibrationColumn): StatTestName {
  const values: ArrayLike<Category> =
    column.kind === 'numeric'
      ? presentValues(column.values, 'numeric', `column "${column.name}" reference`)
      : presentValues(column.values, 'categorical', `column "${column.name}" reference`);
  const nUnique = new Set(Array.from(values)).size;
  return defaultStatTest({ referenceSize: values.length, nUnique, kind: column.kind });
}

function bootstrapInput(
  column: CalibrationColumn,
  first: Int32Array,
  second: Int32Array,
  stattest: StatTestName,
): ColumnDriftInput {
  const common = { name: column.name, stattest, threshold: column.threshold };
  if (column.kind === 'numeric') {
    const pick = (rows: Int32Array) => Float64Array.from(rows, (row) => column.values[row] ?? Number.NaN);
    return { ...common, kind: 'numeric', reference: pick(first), current: pick(second) };
  }
  const pick = (rows: Int32Array) => Array.from(rows, (row) => column.values[row]);
  return { ...common, kind: 'categorical', reference: pick(first), current: pick(second) };
}

/** numpy's default quantile: linear between the order statistics around q · (n − 1). */
function quantile(sorted: number[], q: number): number {
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

function checkOptions(
  reference: CalibrationColumn[],
  batchSize: number,
  iterations: number,
  seed: number,
  driftShare: number,
): number {
  if (!Array.isArray(reference) || reference.length === 0) {
    throw new TypeError('calibrate: reference must list at least one column');
  }
  const rows = reference[0].values.length;
  if (reference.some((column) => column.values.length !== rows) || rows === 0) {
    throw new TypeError('calibrate: every reference column must have the same, non-zero number of rows');
  }
  if (new Set(reference.map((column) => column.name)).size !== reference.length) {
    throw new TypeError('calibrate: column names must be unique');
  }
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new UserError(
      `batch size ${String(batchSize)} is not a positive integer`,
      'give the rows per batch',
    );
  }
  if (!(Number.isInteger(iterations) && iterations > 0)) {
    throw new UserError(
      `${String(iterations)} calibration rounds is not a positive integer`,
      'give, say, 100',
    );
  }
  if (!Number.isInteger(seed))
    throw new UserError(`seed ${String(seed)} is not an integer`, 'give an integer seed');
  if (!(driftShare >= 0 && driftShare <= 1)) {
    throw new UserError(
      `drift share ${String(driftShare)} is not between 0 and 1`,
      'give a share such as 0.5',
    );
  }
  return rows;
}
