/**
 * The record path of the service against the table path of training and evaluation: for every row of the real
 * file's initial test split, the feature row the record encoder writes must be the very float32 values that
 * `transform` writes for the same row of the table, whatever spelling or missing marker the record uses.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { readDataset } from '../../src/core/data/read.js';
import { splitDataset } from '../../src/core/data/split.js';
import type { Table } from '../../src/core/data/table.js';
import { withoutExcludedDispositions } from '../../src/core/features/engineer.js';
import { fitPreprocessor, transform, type PreprocessorSpec } from '../../src/core/features/preprocessor.js';
import { compileRecordEncoder } from '../../src/core/serving/record-encoder.js';
import { checkRecord } from '../../src/core/serving/validation.js';
import { REAL_DATA, rowAsRecord, snakeRecord } from './helpers.js';

let spec: PreprocessorSpec;
let test: Table;

beforeAll(async () => {
  const split = splitDataset(await readDataset(REAL_DATA), { target: 'any', shuffle: false, seed: 42 });
  spec = fitPreprocessor(withoutExcludedDispositions(split.train));
  test = split.test;
});

function encodeAll(records: Record<string, unknown>[]): Float32Array {
  const encoder = compileRecordEncoder(spec);
  const out = new Float32Array(records.length * encoder.cols);
  records.forEach((record, row) => encoder.encode(record, out, row));
  return out;
}

describe('the record encoder', () => {
  it('writes the feature rows transform writes, bit for bit, in both spellings', () => {
    const expected = transform(spec, test, { imputeMissing: true });
    const records = test.rows.map((row) => rowAsRecord(test.columns, row));
    expect(records.length).toBe(3053);
    for (const record of records.slice(0, 50)) expect(checkRecord(record)).toEqual([]);

    const plain = encodeAll(records);
    const snake = encodeAll(records.map(snakeRecord));
    expect(plain.length).toBe(expected.data.length);
    expect(Buffer.from(plain.buffer).equals(Buffer.from(expected.data.buffer))).toBe(true);
    expect(Buffer.from(snake.buffer).equals(Buffer.from(expected.data.buffer))).toBe(true);
  });

  it('reads null as the missing value `?` is', () => {
    const withMissing = test.rows.map((row) => rowAsRecord(test.columns, row)).filter((r) => r.race === '?');
    expect(withMissing.length).toBeGreaterThan(0);
    const asNull = withMissing.map((record) => ({ ...record, race: null }));
    expect(encodeAll(asNull)).toEqual(encodeAll(withMissing));
  });

  it('sends a value outside the training vocabulary to the other column, as transform does', () => {
    const rare = { ...rowAsRecord(test.columns, test.rows[0]), gender: 'Unknown/Invalid' };
    const table: Table = {
      columns: test.columns,
      rows: [test.columns.map((name, i) => (name === 'gender' ? 'Unknown/Invalid' : test.rows[0][i]))],
      source: 'one row',
    };
    expect(encodeAll([rare])).toEqual(transform(spec, table, { imputeMissing: true }).data);
    const other = spec.featureNames.indexOf('gender=other');
    expect(encodeAll([rare])[other]).toBe(1);
  });
});
