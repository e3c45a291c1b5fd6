/**
 * Capture of scored records and reading a time window of them back as a table. Records come from the small
 * sample of the real file in test/fixtures/data; times are set by hand so that days and windows are known.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { readDataset } from '../../src/core/data/read.js';
import type { Table } from '../../src/core/data/table.js';
import { UserError } from '../../src/core/errors/index.js';
import { REQUIRED_RAW_COLUMNS } from '../../src/core/features/engineer.js';
import { CaptureWriter, type CaptureOptions } from '../../src/core/serving/capture.js';
import { readCapturedTable } from '../../src/core/serving/capture-reader.js';
import { LocalStore, type ObjectStore } from '../../src/core/storage/index.js';
import { rowAsRecord, snakeRecord } from './helpers.js';

const SAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/data/diabetic_sample.csv');

let sample: Table;
let records: Record<string, unknown>[];

beforeAll(async () => {
  sample = await readDataset(SAMPLE);
  records = sample.rows.map((row) => rowAsRecord(sample.columns, row));
});

const MODEL = { name: 'HealthPredict', version: '3', run_id: 'abc' };
const classOf = (p: number): 0 | 1 => (p >= 0.5 ? 1 : 0);

function newStore(): LocalStore {
  return new LocalStore(mkdtempSync(join(tmpdir(), 'hp-capture-')));
}

function writer(store: ObjectStore, options: Partial<CaptureOptions> = {}): CaptureWriter {
  return new CaptureWriter({ store, model: MODEL, threshold: 0.5, flushIntervalMs: 60_000, ...options });
}

async function lines(store: ObjectStore): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  for (const key of await store.list('capture/')) {
    for (const line of (await store.read(key)).toString().split('\n')) if (line) out.push(JSON.parse(line));
  }
  return out;
}

describe('CaptureWriter', () => {
  it('writes a full batch at once, as the file would hold each record', async () => {
    const store = newStore();
    const capture = writer(store, { batchSize: 3, now: () => new Date('2024-05-01T10:11:12.345Z') });
    capture.add(records.slice(0, 3), Float64Array.from([0.2, 0.5, 0.9]), classOf);
    await capture.flush();

    expect(await store.list('capture/')).toEqual([
      expect.stringMatching(/^capture\/2024\/05\/01\/20240501T101112\.345Z-[0-9a-f]{8}-0\.jsonl$/),
    ]);
    const written = await lines(store);
    expect(written.map((l) => [l.prediction, l.probability])).toEqual([
      [0, 0.2],
      [1, 0.5],
      [1, 0.9],
    ]);
    expect(written[0]).toMatchObject({ time: '2024-05-01T10:11:12.345Z', model: MODEL, threshold: 0.5 });
    // The record as the file holds the row: every column (the target aside) under its own name, as a string.
    const expected = Object.fromEntries(sample.columns.map((name, i) => [name, sample.rows[0][i]]));
    expect(written[0].record).toEqual(expected);
  });

  it('writes snake_case records under the data set names and null as ?', async () => {
    const store = newStore();
    const capture = writer(store);
    capture.add([{ ...snakeRecord(records[0]), race: null }], Float64Array.from([0.7]), classOf);
    await capture.close();
    const [line] = await lines(store);
    expect(line.record.race).toBe('?');
    expect(line.record['glyburide-metformin']).toBe(
      sample.rows[0][sample.columns.indexOf('glyburide-metformin')],
    );
    expect(line.record).not.toHaveProperty('glyburide_metformin');
  });

  it('writes on its timer without being asked', async () => {
    const store = newStore();
    const capture = writer(store, { flushIntervalMs: 20 });
    capture.add(records.slice(0, 2), Float64Array.from([0.1, 0.2]), classOf);
    await new Promise((done) => setTimeout(done, 150));
    expect(await lines(store)).toHaveLength(2);
    await capture.close();
  });

  it('writes everything still buffered on close, and takes nothing after', async () => {
    const store = newStore();
    const capture = writer(store);
    capture.add(records.slice(0, 5), new Float64Array(5).fill(0.3), classOf);
    const stats = await capture.close();
    expect(stats).toEqual({ written: 5, dropped: 0, files: 1 });
    capture.add(records.slice(0, 1), Float64Array.from([0.3]), classOf);
    expect(capture.counts.dropped).toBe(1);
    expect(await lines(store)).toHaveLength(5);
  });

  it('files the records of each UTC day under that day', async () => {
    const store = newStore();
    let now = new Date('2024-05-01T23:59:59.900Z');
    const capture = writer(store, { now: () => now });
    capture.add(records.slice(0, 1), Float64Array.from([0.1]), classOf);
    now = new Date('2024-05-02T00:00:00.100Z');
    capture.add(records.slice(1, 3), Float64Array.from([0.1, 0.2]), classOf);
    await capture.close();
    const keys = await store.list('capture/');
    expect(keys.map((key) => key.split('/').slice(1, 4).join('-'))).toEqual(['2024-05-01', '2024-05-02']);
  });

  it('drops and counts records beyond its buffer while the store is slow, and those a failed write held', async () => {
    let release = () => {};
    const blocked = new Promise<void>((done) => (release = done));
    // Only write is called; a store whose writes wait, then fail.
    const failing = {
      uri: 'a slow store',
      write: async () => {
        await blocked;
        throw new Error('the store is down');
      },
    } as unknown as ObjectStore;
    const errors: Error[] = [];
    const capture = writer(failing, { batchSize: 4, maxBuffered: 6, onError: (error) => errors.push(error) });
    capture.add(records.slice(0, 4), new Float64Array(4), classOf); // written out (and held by the slow store)
    capture.add(records.slice(0, 10), new Float64Array(10), classOf); // 6 buffered, 4 dropped
    expect(capture.counts.dropped).toBe(4);
    release();
    const stats = await capture.close();
    expect(stats).toEqual({ written: 0, dropped: 14, files: 0 });
    expect(errors.map((e) => e.message)).toEqual(['the store is down', 'the store is down']);
  });
});

describe('readCapturedTable', () => {
  async function captured(): Promise<LocalStore> {
    const store = newStore();
    const times = [
      '2024-04-30T23:00:00Z',
      '2024-05-01T08:00:00Z',
      '2024-05-01T12:00:00Z',
      '2024-05-03T09:00:00Z',
    ];
    for (const [i, time] of times.entries()) {
      const capture = writer(store, { now: () => new Date(time) });
      capture.add(records.slice(i * 2, i * 2 + 2), Float64Array.from([0.1, 0.9]), classOf);
      await capture.close();
    }
    return store;
  }

  it('returns the records scored in [from, to) as the model input columns of the file', async () => {
    const store = await captured();
    const table = await readCapturedTable(store, {
      from: new Date('2024-05-01T08:00:00Z'),
      to: new Date('2024-05-03T09:00:00Z'),
    });
    expect(table.columns).toEqual([...REQUIRED_RAW_COLUMNS]);
    // Records 2 to 5 were scored at 08:00 and 12:00 on May 1; 09:00 on May 3 is the excluded end.
    const expected = sample.rows
      .slice(2, 6)
      .map((row) => table.columns.map((name) => row[sample.columns.indexOf(name)]));
    expect(table.rows).toEqual(expected);
  });

  it('says when the window holds no records, or is empty, or a file is not capture', async () => {
    const store = await captured();
    const none = readCapturedTable(store, { from: new Date('2024-06-01'), to: new Date('2024-06-02') });
    await expect(none).rejects.toMatchObject({ exitCode: 4 });
    await expect(none).rejects.toThrow(/no records captured from 2024-06-01T00:00:00.000Z/);
    const empty = readCapturedTable(store, { from: new Date('2024-05-02'), to: new Date('2024-05-01') });
    await expect(empty).rejects.toBeInstanceOf(UserError);

    await store.write('capture/2024/05/01/zz.jsonl', 'not json\n');
    const broken = readCapturedTable(store, { from: new Date('2024-05-01'), to: new Date('2024-05-02') });
    await expect(broken).rejects.toMatchObject({
      exitCode: 3,
      message: 'capture/2024/05/01/zz.jsonl: line 1 is not a captured record',
    });
  });
});
