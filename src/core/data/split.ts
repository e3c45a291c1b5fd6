import { EXIT_CODES, UserError } from '../errors/index.js';
import { Random } from '../util/random.js';
import { TARGET_COLUMN, targetOf, type TargetName } from './contract.js';
import {
  applyDrift,
  DEFAULT_DRIFT_FROM_BATCH,
  driftScenario,
  type CovariateShift,
  type LabelShift,
} from './drift-scenarios.js';
import { columnIndex, type Table } from './table.js';

export { DRIFT_SCENARIOS, type DriftScenario, type DriftScenarioName } from './drift-scenarios.js';

export interface SplitOptions {
  target: TargetName;
  /** Shuffle patients into train, validation and test instead of cutting in file order. */
  shuffle: boolean;
  seed: number;
  /** How many batches the future data is cut into; default 5. */
  batches?: number;
  /** The share of rows, from the top of the file, that is the initial data; default 0.2. */
  initialFraction?: number;
  /** Shares of the initial data for train and validation (default 0.7 and 0.15); test gets the rest. */
  trainFraction?: number;
  validationFraction?: number;
  /** A name from DRIFT_SCENARIOS; default `none`. */
  driftScenario?: string;
  /** The first batch (1-based) the scenario changes; default 3. */
  driftFromBatch?: number;
}

export interface DriftParams {
  scenario: string;
  description: string;
  /** The batches changed, 1-based; empty for `none`. */
  batches: number[];
  covariate?: CovariateShift;
  label?: LabelShift;
}

/** Every choice that decides the split, with defaults filled in, as recorded in the manifest. */
export interface SplitParams {
  target: TargetName;
  shuffle: boolean;
  seed: number;
  batches: number;
  initialFraction: number;
  trainFraction: number;
  validationFraction: number;
  testFraction: number;
  drift: DriftParams;
}

/** The initial splits, the future data and its batches; every table ends with the `target` column. */
export interface SplitResult {
  train: Table;
  validation: Table;
  test: Table;
  /** The batches in order, one after another: what the simulation treats as data arriving later. */
  future: Table;
  batches: Table[];
}

export function resolveSplitParams(options: SplitOptions): SplitParams {
  const batches = options.batches ?? 5;
  const initialFraction = options.initialFraction ?? 0.2;
  const trainFraction = options.trainFraction ?? 0.7;
  const validationFraction = options.validationFraction ?? 0.15;
  const testFraction = 1 - trainFraction - validationFraction;
  if (!Number.isInteger(batches) || batches < 1) usage(`--batches must be a whole number of 1 or more`);
  if (!Number.isInteger(options.seed)) usage(`--seed must be a whole number`);
  for (const [name, value] of Object.entries({ initialFraction, trainFraction, validationFraction })) {
    if (!(value > 0 && value < 1)) usage(`${name} must be between 0 and 1 (exclusive), not ${value}`);
  }
  if (!(testFraction > 1e-9)) usage('trainFraction plus validationFraction must leave a share for test');

  const name = options.driftScenario ?? 'none';
  const scenario = driftScenario(name);
  const fromBatch = options.driftFromBatch ?? Math.min(DEFAULT_DRIFT_FROM_BATCH, batches);
  if (name !== 'none' && !(Number.isInteger(fromBatch) && fromBatch >= 1 && fromBatch <= batches)) {
    usage(`the drift must start at a batch from 1 to ${batches}, not ${fromBatch}`);
  }
  const drifted = name === 'none' ? [] : range(fromBatch, batches);
  return {
    target: options.target,
    shuffle: options.shuffle,
    seed: options.seed,
    batches,
    initialFraction,
    trainFraction,
    validationFraction,
    testFraction,
    drift: { scenario: name, ...scenario, batches: drifted },
  };
}

/**
 * Splits the raw table. The first `initialFraction` of rows in file order is the initial data, cut into
 * train, validation and test, in file order or (with `shuffle`) by patients drawn with the seed so that no
 * `patient_nbr` is in two of them; the rest is the future data, cut into consecutive batches whose sizes
 * differ by at most one. The binary target is computed here, once, from `readmitted`.
 */
export function splitDataset(table: Table, options: SplitOptions): SplitResult {
  const params = resolveSplitParams(options);
  if (table.columns.includes(TARGET_COLUMN)) {
    throw new UserError(
      `${table.source} already has a "${TARGET_COLUMN}" column`,
      'split the raw diabetic_data.csv, not a file that split wrote',
      EXIT_CODES.badInput,
    );
  }

  const rows = withTarget(table, params.target);
  const initialCount = portion(rows.length, params.initialFraction);
  const initial = rows.slice(0, initialCount);
  const parts = params.shuffle
    ? byPatients(initial, columnIndex(table, 'patient_nbr'), params)
    : inOrder(initial, params);

  const columns = [...table.columns, TARGET_COLUMN];
  const named = (suffix: string, part: string[][]): Table => ({
    columns,
    rows: part,
    source: `${table.source} (${suffix})`,
  });
  const batches = cutBatches(rows.slice(initialCount), params.batches).map((part, i) =>
    named(`batch ${i + 1}`, part),
  );
  checkSizes(table, parts, batches);

  const scenario = driftScenario(params.drift.scenario);
  for (const number of params.drift.batches) {
    applyDrift(batches[number - 1], scenario, params.target, new Random(params.seed).fork(number));
  }

  return {
    train: named('initial train', parts[0]),
    validation: named('initial validation', parts[1]),
    test: named('initial test', parts[2]),
    future: named(
      'future',
      batches.flatMap((batch) => batch.rows),
    ),
    batches,
  };
}

/**
 * `floor(count * fraction)`, with a tolerance so that a product that is whole in exact arithmetic (6106 * 0.5
 * computed as 3052.9999…) is not rounded down by floating-point error.
 */
function portion(count: number, fraction: number): number {
  return Math.floor(count * fraction + 1e-9);
}

function withTarget(table: Table, target: TargetName): string[][] {
  const readmitted = columnIndex(table, 'readmitted');
  return table.rows.map((row) => [...row, String(targetOf(row[readmitted], target))]);
}

/** Train and validation sizes; test takes what is left. */
function partSizes(count: number, params: SplitParams): [number, number] {
  const train = portion(count, params.trainFraction);
  const validation = portion(count - train, params.validationFraction / (1 - params.trainFraction));
  return [train, validation];
}

function inOrder(rows: string[][], params: SplitParams): string[][][] {
  const [train, validation] = partSizes(rows.length, params);
  return [rows.slice(0, train), rows.slice(train, train + validation), rows.slice(train + validation)];
}

/**
 * Shuffles whole patients with the seed and fills train, then validation, then test, each up to its size, so
 * sizes are close to the fractions but not exact. Within a split, rows keep their file order.
 */
function byPatients(rows: string[][], patient: number, params: SplitParams): string[][][] {
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const group = groups.get(row[patient]);
    if (group) group.push(i);
    else groups.set(row[patient], [i]);
  });

  const [train, validation] = partSizes(rows.length, params);
  const limits = [train, validation, Infinity];
  const parts: number[][] = [[], [], []];
  let part = 0;
  for (const group of new Random(params.seed).shuffle([...groups.values()])) {
    while (parts[part].length >= limits[part]) part++;
    parts[part].push(...group);
  }
  return parts.map((indices) => indices.sort((a, b) => a - b).map((i) => rows[i]));
}

function cutBatches(rows: string[][], count: number): string[][][] {
  const base = Math.floor(rows.length / count);
  const extra = rows.length % count;
  const batches: string[][][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = base + (i < extra ? 1 : 0);
    batches.push(rows.slice(start, start + size));
    start += size;
  }
  return batches;
}

function checkSizes(table: Table, parts: string[][][], batches: Table[]): void {
  const names = ['train', 'validation', 'test'];
  const empty = parts.findIndex((part) => part.length === 0);
  if (empty >= 0) {
    throw new UserError(
      `${table.source} has ${table.rows.length} rows, too few for a non-empty initial ${names[empty]} split`,
      'split the full diabetic_data.csv',
      EXIT_CODES.badInput,
    );
  }
  if (batches.some((batch) => batch.rows.length === 0)) {
    throw new UserError(
      `${table.source} has too few future rows for ${batches.length} batches`,
      'ask for fewer batches with --batches',
      EXIT_CODES.badInput,
    );
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function usage(message: string): never {
  throw new UserError(message, 'see `healthpredict split --help`', EXIT_CODES.usage);
}
