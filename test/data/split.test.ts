import { beforeAll, describe, expect, it } from 'vitest';

import { AGE_BANDS, COLUMN_NAMES, COLUMNS, targetOf } from '../../src/core/data/contract.js';
import { DRIFT_SCENARIOS } from '../../src/core/data/drift-scenarios.js';
import { readDataset } from '../../src/core/data/read.js';
import { resolveSplitParams, splitDataset, type SplitResult } from '../../src/core/data/split.js';
import { columnValues, type Table } from '../../src/core/data/table.js';
import { EXIT_CODES, UserError } from '../../src/core/errors/index.js';
import { REAL_DATA, REAL_READMITTED, REAL_ROWS, realReadmitted } from './helpers.js';

const patients = (table: Table) => new Set(columnValues(table, 'patient_nbr'));
const positives = (table: Table) => columnValues(table, 'target').filter((value) => value === '1').length;
const mean = (table: Table, column: string) =>
  columnValues(table, column).reduce((sum, value) => sum + Number(value), 0) / table.rows.length;
const initial = (split: SplitResult) => [split.train, split.validation, split.test];

let table: Table;
beforeAll(async () => {
  table = await readDataset(REAL_DATA);
});

describe('the chronological split of the full file', () => {
  let split: SplitResult;
  beforeAll(() => {
    split = splitDataset(table, { target: 'any', shuffle: false, seed: 7 });
  });

  it('has exactly 14,247 / 3,053 / 3,053 initial rows and 81,413 future rows', () => {
    expect(initial(split).map((part) => part.rows.length)).toEqual([14_247, 3_053, 3_053]);
    expect(split.future.rows.length).toBe(81_413);
  });

  it('cuts in file order and keeps every column, with target last', () => {
    const all = [...initial(split), split.future].flatMap((part) => part.rows);
    expect(all.map((row) => row.slice(0, 50))).toEqual(table.rows);
    expect(split.train.columns).toEqual([...COLUMN_NAMES, 'target']);
    expect(split.future.rows[0][0]).toBe(table.rows[20_353][0]);
  });

  it('cuts the future into 5 disjoint consecutive batches that cover it in order', () => {
    expect(split.batches.map((batch) => batch.rows.length)).toEqual([16_283, 16_283, 16_283, 16_282, 16_282]);
    expect(split.batches.flatMap((batch) => batch.rows)).toEqual(split.future.rows);
    const encounters = split.batches.flatMap((batch) => columnValues(batch, 'encounter_id'));
    expect(new Set(encounters).size).toBe(81_413);
  });

  it('computes target once from readmitted: the any share is about 46%', async () => {
    // Expected from an independent count of the raw readmitted values (see helpers.ts for the awk command).
    const raw = await realReadmitted();
    const expected = raw.filter((value) => value !== 'NO').length;
    expect(expected).toBe(REAL_READMITTED['>30'] + REAL_READMITTED['<30']);

    const total = [...initial(split), split.future].reduce((sum, part) => sum + positives(part), 0);
    expect(total).toBe(expected);
    expect(total / REAL_ROWS).toBeCloseTo(0.4609, 4);
    for (const part of [...initial(split), split.future]) {
      const readmitted = part.columns.indexOf('readmitted');
      expect(part.rows.every((row) => row[50] === String(targetOf(row[readmitted], 'any')))).toBe(true);
    }
  });

  it('counts the within30 target as readmitted <30 only (about 11%)', () => {
    const within30 = splitDataset(table, { target: 'within30', shuffle: false, seed: 7 });
    const total = [...initial(within30), within30.future].reduce((sum, part) => sum + positives(part), 0);
    expect(total).toBe(REAL_READMITTED['<30']);
  });

  it('does not change the table it was given', () => {
    expect(table.columns).toHaveLength(50);
    expect(table.rows[0]).toHaveLength(50);
  });
});

describe('the shuffled split of the full file', () => {
  let split: SplitResult;
  beforeAll(() => {
    split = splitDataset(table, { target: 'any', shuffle: true, seed: 7 });
  });

  it('keeps every patient_nbr in one of train, validation and test', () => {
    const [train, validation, test] = initial(split).map(patients);
    for (const patient of validation) expect(train.has(patient)).toBe(false);
    for (const patient of test) expect(train.has(patient) || validation.has(patient)).toBe(false);
  });

  it('uses the same initial rows, in file order within each split, with sizes close to 70/15/15', () => {
    const sizes = initial(split).map((part) => part.rows.length);
    expect(sizes.reduce((a, b) => a + b)).toBe(20_353);
    expect(Math.abs(sizes[0] - 14_247)).toBeLessThan(20);
    expect(Math.abs(sizes[1] - 3_053)).toBeLessThan(20);
    const position = new Map(table.rows.map((row, i) => [row[0], i]));
    for (const part of initial(split)) {
      const order = columnValues(part, 'encounter_id').map((id) => position.get(id) ?? -1);
      expect(order.every((index) => index >= 0 && index < 20_353)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(split.future.rows.map((row) => row[0])).toEqual(table.rows.slice(20_353).map((row) => row[0]));
  });

  it('is the same with the same seed and different with another', () => {
    const again = splitDataset(table, { target: 'any', shuffle: true, seed: 7 });
    const other = splitDataset(table, { target: 'any', shuffle: true, seed: 8 });
    const ids = (result: SplitResult) => initial(result).map((part) => columnValues(part, 'encounter_id'));
    expect(ids(again)).toEqual(ids(split));
    expect(ids(other)[0]).not.toEqual(ids(split)[0]);
  });
});

describe('drift scenarios on the full file', () => {
  const base = { target: 'any' as const, shuffle: false, seed: 7 };
  let clean: SplitResult;
  beforeAll(() => {
    clean = splitDataset(table, base);
  });

  it('documents every scenario', () => {
    expect(Object.keys(DRIFT_SCENARIOS)).toEqual(['none', 'covariate', 'label', 'mixed', 'population']);
    for (const scenario of Object.values(DRIFT_SCENARIOS))
      expect(scenario.description.length).toBeGreaterThan(20);
  });

  it('covariate shifts the named columns inside their ranges and ages patients, from batch 3 on', () => {
    const drifted = splitDataset(table, { ...base, driftScenario: 'covariate' });
    expect(drifted.batches.slice(0, 2)).toEqual(clean.batches.slice(0, 2));
    expect(drifted.train).toEqual(clean.train);

    const elderly = (batch: Table) =>
      columnValues(batch, 'age').filter((age) => AGE_BANDS.indexOf(age as never) >= 7).length /
      batch.rows.length;
    for (const i of [2, 3, 4]) {
      const [before, after] = [clean.batches[i], drifted.batches[i]];
      expect(mean(after, 'num_medications') - mean(before, 'num_medications')).toBeCloseTo(5, 0);
      expect(mean(after, 'num_lab_procedures') - mean(before, 'num_lab_procedures')).toBeGreaterThan(9);
      expect(mean(after, 'time_in_hospital') - mean(before, 'time_in_hospital')).toBeGreaterThan(1.5);
      expect(elderly(after) - elderly(before)).toBeGreaterThan(0.05);
      expect(columnValues(after, 'target')).toEqual(columnValues(before, 'target'));
      for (const spec of COLUMNS.filter((column) => column.range)) {
        const values = columnValues(after, spec.name).map(Number);
        expect(Math.min(...values)).toBeGreaterThanOrEqual(spec.range![0]);
        expect(Math.max(...values)).toBeLessThanOrEqual(spec.range![1]);
      }
    }
  });

  it('label turns 20% of negatives positive in both target and readmitted', () => {
    const drifted = splitDataset(table, { ...base, driftScenario: 'label' });
    for (const i of [2, 3, 4]) {
      const [before, after] = [clean.batches[i], drifted.batches[i]];
      const negatives = before.rows.length - positives(before);
      const flipped = (positives(after) - positives(before)) / negatives;
      expect(flipped).toBeGreaterThan(0.18);
      expect(flipped).toBeLessThan(0.22);
      expect(after.rows.every((row) => row[50] === String(targetOf(row[49], 'any')))).toBe(true);
      expect(columnValues(after, 'num_medications')).toEqual(columnValues(before, 'num_medications'));
    }
    expect(drifted.future.rows).toEqual(drifted.batches.flatMap((batch) => batch.rows));
  });

  it('label on the within30 target writes <30, so readmitted and target agree', () => {
    const drifted = splitDataset(table, { ...base, target: 'within30', driftScenario: 'label' });
    const batch = drifted.batches[4];
    expect(batch.rows.every((row) => row[50] === String(targetOf(row[49], 'within30')))).toBe(true);
    expect(positives(batch) / batch.rows.length).toBeGreaterThan(0.25);
  });

  it('mixed does both, is seeded, and can start at another batch', () => {
    const mixed = splitDataset(table, { ...base, driftScenario: 'mixed', driftFromBatch: 5 });
    expect(mixed.batches.slice(0, 4)).toEqual(clean.batches.slice(0, 4));
    expect(mean(mixed.batches[4], 'num_medications')).toBeGreaterThan(
      mean(clean.batches[4], 'num_medications'),
    );
    expect(positives(mixed.batches[4])).toBeGreaterThan(positives(clean.batches[4]));
    const again = splitDataset(table, { ...base, driftScenario: 'mixed', driftFromBatch: 5 });
    expect(again.batches[4].rows).toEqual(mixed.batches[4].rows);
    const reseeded = splitDataset(table, { ...base, seed: 8, driftScenario: 'mixed', driftFromBatch: 5 });
    expect(columnValues(reseeded.batches[4], 'age')).not.toEqual(columnValues(mixed.batches[4], 'age'));
  });
});

describe('split options', () => {
  const small = (rows: number): Table => ({
    columns: table.columns,
    rows: table.rows.slice(0, rows).map((row) => [...row]),
    source: 'small',
  });

  it('cuts batches whose sizes differ by at most one', () => {
    const split = splitDataset(small(120), { target: 'any', shuffle: false, seed: 1, batches: 7 });
    expect(split.future.rows.length).toBe(96);
    expect(split.batches.map((batch) => batch.rows.length)).toEqual([14, 14, 14, 14, 14, 13, 13]);
  });

  it('records every parameter with its default', () => {
    expect(resolveSplitParams({ target: 'any', shuffle: false, seed: 7, driftScenario: 'label' })).toEqual({
      target: 'any',
      shuffle: false,
      seed: 7,
      batches: 5,
      initialFraction: 0.2,
      trainFraction: 0.7,
      validationFraction: 0.15,
      testFraction: 1 - 0.7 - 0.15,
      drift: {
        scenario: 'label',
        description: DRIFT_SCENARIOS.label.description,
        batches: [3, 4, 5],
        label: { negativeToPositive: 0.2, positiveToNegative: 0 },
      },
    });
  });

  it('refuses bad options and tables too small to split', () => {
    const options = { target: 'any' as const, shuffle: false, seed: 1 };
    expect(() => resolveSplitParams({ ...options, batches: 0 })).toThrow(UserError);
    expect(() => resolveSplitParams({ ...options, trainFraction: 0.9, validationFraction: 0.1 })).toThrow(
      'trainFraction plus validationFraction must leave a share for test',
    );
    expect(() => resolveSplitParams({ ...options, driftScenario: 'sudden' })).toThrow(
      'unknown drift scenario "sudden"',
    );
    expect(() => resolveSplitParams({ ...options, driftScenario: 'label', driftFromBatch: 6 })).toThrow(
      'the drift must start at a batch from 1 to 5, not 6',
    );
    const tooSmall = (() => {
      try {
        splitDataset(small(10), options);
      } catch (error) {
        return error as UserError;
      }
    })();
    expect(tooSmall?.message).toBe('small has 10 rows, too few for a non-empty initial validation split');
    expect(tooSmall?.exitCode).toBe(EXIT_CODES.badInput);
  });
});
