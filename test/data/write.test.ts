import { readFile } from 'node:fs/promises';

import { beforeAll, describe, expect, it } from 'vitest';

import { batchKey, MANIFEST_KEY, readManifest, SPLIT_KEYS } from '../../src/core/data/manifest.js';
import { readCsvFromStore, readDataset } from '../../src/core/data/read.js';
import { resolveSplitParams, splitDataset, type SplitOptions } from '../../src/core/data/split.js';
import type { SourceInfo, Table } from '../../src/core/data/table.js';
import { toCsv, writeSplit } from '../../src/core/data/write.js';
import { LocalStore, type ObjectStore } from '../../src/core/storage/index.js';
import { sha256File } from '../../src/core/util/files.js';
import { REAL_DATA, sampleLines, SAMPLE_CSV, withTempDir } from './helpers.js';

let table: Table;
beforeAll(async () => {
  table = await readDataset(REAL_DATA);
});

const options: SplitOptions = { target: 'any', shuffle: false, seed: 7, driftScenario: 'label' };

describe('writeSplit with the full file', () => {
  it('writes every file and a manifest whose sha256 values match the stored bytes', async () => {
    await withTempDir(async (dir) => {
      const store = new LocalStore(dir);
      const params = resolveSplitParams(options);
      const split = splitDataset(table, options);
      const now = new Date('2024-05-01T12:00:00Z');
      const manifest = await writeSplit(store, split, params, table.origin!, { now });

      const keys = [...Object.values(SPLIT_KEYS), ...[1, 2, 3, 4, 5].map(batchKey)];
      expect(manifest.files.map((file) => file.key)).toEqual(keys);
      expect(await store.list('processed/')).toEqual([...keys, MANIFEST_KEY].sort());
      for (const file of manifest.files) {
        const path = store.localPath(file.key);
        expect(file.sha256).toBe(await sha256File(path));
        expect(file.bytes).toBe((await readFile(path)).length);
      }

      expect(manifest.files.map((file) => file.rows)).toEqual([
        14_247, 3_053, 3_053, 81_413, 16_283, 16_283, 16_283, 16_282, 16_282,
      ]);
      expect(manifest.files.map((file) => file.drifted)).toEqual([
        false,
        false,
        false,
        true,
        false,
        false,
        true,
        true,
        true,
      ]);
      const train = manifest.files[0];
      expect(train.positives).toBe(split.train.rows.filter((row) => row[50] === '1').length);
      expect(train.positiveRate).toBe(train.positives / train.rows);
      expect(manifest.source).toEqual({ ...table.origin, sha256: await sha256File(REAL_DATA) });
      expect(manifest.params).toEqual(params);
      expect(manifest.createdAt).toBe('2024-05-01T12:00:00.000Z');
      expect(await readManifest(store)).toEqual(manifest);

      const batch = await readCsvFromStore(store, batchKey(4));
      expect(batch.columns).toEqual(split.batches[3].columns);
      expect(batch.rows).toEqual(split.batches[3].rows);
    });
  });
});

describe('toCsv', () => {
  it('quotes only values with a comma, quote or line break, and reads back the same strings', async () => {
    const lines = await sampleLines();
    const columns = [...lines[0].split(','), 'target'];
    const rows = lines.slice(1, 4).map((line) => [...line.split(','), '0']);
    rows[0][11] = 'Surgery, "General"';
    rows[1][18] = 'V57\nline';
    const written = toCsv({ columns, rows, source: 'memory' });

    expect(written.split('\n')[1]).toContain(',"Surgery, ""General""",');
    expect(written).toContain(',[0-10),');
    expect(written).toContain(',NO,0\n');
    expect(written).not.toContain('"NO"');

    await withTempDir(async (dir) => {
      const store = new LocalStore(dir);
      await store.write('processed/x.csv', written);
      expect((await readCsvFromStore(store, 'processed/x.csv')).rows).toEqual(rows);
    });
  });

  it('writes the UCI sample byte for byte, apart from line ends', async () => {
    const sample = await readDataset(SAMPLE_CSV);
    const original = (await readFile(SAMPLE_CSV, 'utf8')).replaceAll('\r\n', '\n');
    expect(toCsv(sample)).toBe(original);
  });
});

describe('writeSplit when something fails', () => {
  /** A store that fails the nth write, as a full disk would. */
  class FailingStore extends LocalStore {
    writes = 0;
    constructor(
      root: string,
      private readonly failAt: number,
    ) {
      super(root);
    }
    override async write(key: string, data: string | Uint8Array): Promise<void> {
      if (++this.writes === this.failAt) throw new Error(`no space left writing ${key}`);
      await super.write(key, data);
    }
  }

  const small = (): { split: ReturnType<typeof splitDataset>; source: SourceInfo } => ({
    split: splitDataset(
      { columns: table.columns, rows: table.rows.slice(0, 500), source: 'small' },
      { target: 'any', shuffle: false, seed: 1, batches: 8 },
    ),
    source: { uri: 'small', path: 'small', sha256: '0'.repeat(64), bytes: 0 },
  });

  it('leaves no manifest behind, and removes the one from before', async () => {
    await withTempDir(async (dir) => {
      const { split, source } = small();
      const params = resolveSplitParams({ target: 'any', shuffle: false, seed: 1, batches: 8 });
      await writeSplit(new LocalStore(dir), split, params, source);
      expect(await new LocalStore(dir).exists(MANIFEST_KEY)).toBe(true);

      const failing = new FailingStore(dir, 3);
      await expect(writeSplit(failing, split, params, source)).rejects.toThrow('no space left');
      expect(await failing.exists(MANIFEST_KEY)).toBe(false);
      await expect(readManifest(failing)).rejects.toThrow(`(${MANIFEST_KEY} is missing)`);
    });
  });

  it('removes batch files that a split with more batches left', async () => {
    await withTempDir(async (dir) => {
      const store: ObjectStore = new LocalStore(dir);
      const { split, source } = small();
      await writeSplit(
        store,
        split,
        resolveSplitParams({ target: 'any', shuffle: false, seed: 1, batches: 8 }),
        source,
      );
      expect(await store.exists(batchKey(8))).toBe(true);

      const fewer = splitDataset(
        { columns: table.columns, rows: table.rows.slice(0, 500), source: 'small' },
        { target: 'any', shuffle: false, seed: 1, batches: 3 },
      );
      const params = resolveSplitParams({ target: 'any', shuffle: false, seed: 1, batches: 3 });
      await writeSplit(store, fewer, params, source);
      expect(await store.list('processed/batches/')).toEqual([1, 2, 3].map(batchKey));
    });
  });
});
