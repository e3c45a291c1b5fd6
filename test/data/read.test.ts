import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { beforeAll, describe, expect, it } from 'vitest';

import { COLUMN_NAMES } from '../../src/core/data/contract.js';
import { parseCsv, readCsvFromStore, readDataset } from '../../src/core/data/read.js';
import type { Table } from '../../src/core/data/table.js';
import { EXIT_CODES, UserError } from '../../src/core/errors/index.js';
import { LocalStore } from '../../src/core/storage/index.js';
import { sha256File } from '../../src/core/util/files.js';
import {
  REAL_DATA,
  REAL_READMITTED,
  REAL_ROWS,
  realReadmitted,
  SAMPLE_CSV,
  sampleLines,
  setField,
  withTempDir,
} from './helpers.js';

/** Runs `read` and returns the UserError it throws, failing the test if it throws anything else. */
async function userError(read: () => Promise<unknown>): Promise<UserError> {
  const error = await read().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  const user = error as UserError;
  expect(user.exitCode).toBe(EXIT_CODES.badInput);
  expect(user.message).not.toContain('\n');
  return user;
}

/** Writes a zip with python3's zipfile, since Node has no zip writer: entries are name=path pairs. */
function writeZip(zip: string, entries: Record<string, string>): void {
  const script = [
    'import sys, zipfile',
    'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:',
    '    for pair in sys.argv[2:]:',
    '        name, path = pair.split("=", 1)',
    '        z.write(path, name)',
  ].join('\n');
  const pairs = Object.entries(entries).map(([name, path]) => `${name}=${path}`);
  execFileSync('python3', ['-c', script, zip, ...pairs]);
}

describe('readDataset on the full UCI file', () => {
  let table: Table;
  beforeAll(async () => {
    table = await readDataset(REAL_DATA);
  });

  it('reads every row and the 50 columns in contract order', () => {
    expect(table.rows.length).toBe(REAL_ROWS);
    expect(table.columns).toEqual(COLUMN_NAMES);
    expect(table.rows.every((row) => row.length === 50)).toBe(true);
    expect(table.rows[0].slice(0, 5)).toEqual(['2278392', '8222157', 'Caucasian', 'Female', '[0-10)']);
  });

  it('keeps readmitted exactly as an independent count of the file has it', async () => {
    const counts: Record<string, number> = {};
    for (const row of table.rows) counts[row[49]] = (counts[row[49]] ?? 0) + 1;
    expect(counts).toEqual(REAL_READMITTED);
    expect(table.rows.map((row) => row[49])).toEqual(await realReadmitted());
  });

  it('records where the rows came from', async () => {
    expect(table.origin).toEqual({
      uri: REAL_DATA,
      path: REAL_DATA,
      sha256: await sha256File(REAL_DATA),
      bytes: (await readFile(REAL_DATA)).length,
    });
  });
});

describe('readDataset on small files', () => {
  it('reads a plain CSV with CRLF line ends as the same strings', async () => {
    const table = await readDataset(SAMPLE_CSV);
    const lines = await sampleLines();
    expect(table.rows.length).toBe(40);
    expect(table.rows.map((row) => row.join(','))).toEqual(lines.slice(1));
    expect(table.source).toBe(SAMPLE_CSV);
    expect((await readDataset(`file://${SAMPLE_CSV}`)).rows).toEqual(table.rows);
  });

  it('reads diabetic_data.csv from inside the UCI zip, in whatever folder it is', async () => {
    await withTempDir(async (dir) => {
      const zip = join(dir, 'uci.zip');
      writeZip(zip, {
        'diabetes+130-us+hospitals+for+years+1999-2008/IDs_mapping.csv': SAMPLE_CSV,
        '__MACOSX/diabetes+130-us+hospitals+for+years+1999-2008/diabetic_data.csv': SAMPLE_CSV,
        'diabetes+130-us+hospitals+for+years+1999-2008/diabetic_data.csv': SAMPLE_CSV,
      });
      const table = await readDataset(zip);
      expect(table.rows.length).toBe(40);
      expect(table.source).toBe(`${zip}!/diabetes+130-us+hospitals+for+years+1999-2008/diabetic_data.csv`);
      expect(table.origin?.sha256).toBe(await sha256File(zip));
    });
  });

  it('says so when the zip holds no diabetic_data.csv', async () => {
    await withTempDir(async (dir) => {
      const zip = join(dir, 'other.zip');
      writeZip(zip, { 'IDs_mapping.csv': SAMPLE_CSV });
      const error = await userError(() => readDataset(zip));
      expect(error.message).toBe(`${zip} holds no diabetic_data.csv`);
    });
  });

  it('reports a truncated zip as truncated or corrupt', async () => {
    await withTempDir(async (dir) => {
      const zip = join(dir, 'uci.zip');
      writeZip(zip, { 'diabetic_data.csv': SAMPLE_CSV });
      const bytes = await readFile(zip);
      await writeFile(zip, bytes.subarray(0, bytes.length - 60));
      const error = await userError(() => readDataset(zip));
      expect(error.message).toMatch(new RegExp(`^${escape(zip)} is truncated or corrupt \\(zip: `));
    });
  });
});

describe('readDataset rejects bad input with one line naming the file', () => {
  const write = async (dir: string, lines: string[], name = 'data.csv'): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, lines.join('\n') + '\n');
    return path;
  };

  it('a missing column', async () => {
    await withTempDir(async (dir) => {
      const lines = (await sampleLines()).map((line) =>
        line
          .split(',')
          .filter((_, i) => i !== 14)
          .join(','),
      );
      const path = await write(dir, lines);
      const error = await userError(() => readDataset(path));
      expect(error.message).toBe(
        `${path}: the column "num_medications" is missing; ` +
          'the file must have the 50 UCI columns of diabetic_data.csv',
      );
    });
  });

  it('an unknown extra column, and target outside processed files', async () => {
    await withTempDir(async (dir) => {
      const lines = await sampleLines();
      const extra = await write(
        dir,
        lines.map((line, i) => `${line},${i === 0 ? 'note' : 'x'}`),
      );
      expect((await userError(() => readDataset(extra))).message).toBe(
        `${extra}: line 1 has the unknown column "note"; ` +
          'the file must have the 50 UCI columns of diabetic_data.csv and no others',
      );

      const target = await write(
        dir,
        lines.map((line, i) => `${line},${i === 0 ? 'target' : '1'}`),
        't.csv',
      );
      expect((await userError(() => readDataset(target))).message).toMatch(
        /"target" belongs in processed files/,
      );
      const processed = await readDataset(target, { contract: 'processed' });
      expect(processed.columns.at(-1)).toBe('target');
    });
  });

  it('a processed file without target', async () => {
    const error = await userError(() => readDataset(SAMPLE_CSV, { contract: 'processed' }));
    expect(error.message).toBe(
      `${SAMPLE_CSV}: the column "target" is missing, so this is not a processed file`,
    );
  });

  it('a row with the wrong number of fields', async () => {
    await withTempDir(async (dir) => {
      const lines = await sampleLines();
      lines[4] = lines[4].split(',').slice(0, 49).join(',');
      const path = await write(dir, lines);
      const error = await userError(() => readDataset(path));
      expect(error.message).toBe(`${path}: line 5 has 49 fields; the header has 50`);
    });
  });

  it('a non-numeric value in a numeric column: file, line, column, value and what is expected', async () => {
    await withTempDir(async (dir) => {
      const path = await write(dir, setField(await sampleLines(), 3, 12, 'abc'));
      const error = await userError(() => readDataset(path));
      expect(error.message).toBe(
        `${path}: line 4, column "num_lab_procedures": "abc" is not valid; ` +
          'expected a whole number from 0 to 200',
      );
    });
  });

  it('an out-of-range value, a decimal and a missing value in an integer column', async () => {
    await withTempDir(async (dir) => {
      const lines = await sampleLines();
      const cases: [number, string, string][] = [
        [9, '15', '"15" is not valid'],
        [9, '3.0', '"3.0" is not valid'],
        [9, '?', '"?" (missing) is not allowed'],
        [9, '', 'the value is empty'],
      ];
      for (const [field, value, found] of cases) {
        const path = await write(dir, setField(lines, 40, field, value));
        const error = await userError(() => readDataset(path));
        expect(error.message).toBe(
          `${path}: line 41, column "time_in_hospital": ${found}; expected a whole number from 1 to 14`,
        );
      }
    });
  });

  it('? in a non-nullable column and readmitted outside NO, >30, <30', async () => {
    await withTempDir(async (dir) => {
      const lines = await sampleLines();
      const age = await write(dir, setField(lines, 2, 4, '?'), 'age.csv');
      expect((await userError(() => readDataset(age))).message).toBe(
        `${age}: line 3, column "age": "?" (missing) is not allowed; expected one of ` +
          '[0-10), [10-20), [20-30), [30-40), [40-50), [50-60), [60-70), [70-80), [80-90), [90-100)',
      );

      const readmitted = await write(dir, setField(lines, 7, 49, 'YES'), 'readmitted.csv');
      expect((await userError(() => readDataset(readmitted))).message).toBe(
        `${readmitted}: line 8, column "readmitted": "YES" is not valid; expected one of NO, >30, <30`,
      );
    });
  });

  it('allows ? where the contract does', async () => {
    await withTempDir(async (dir) => {
      const path = await write(dir, setField(await sampleLines(), 1, 2, '?'));
      expect((await readDataset(path)).rows[0][2]).toBe('?');
    });
  });

  it('broken quoting', async () => {
    await withTempDir(async (dir) => {
      const path = await write(dir, setField(await sampleLines(), 6, 11, '"Surgery"x'));
      const error = await userError(() => readDataset(path));
      expect(error.message).toBe(`${path}: line 7 is not valid CSV (invalid closing quote)`);
    });
  });

  it('a truncated .gz (the first 100 KB of the real file)', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'diabetic_data.csv.gz');
      await writeFile(path, (await readFile(REAL_DATA)).subarray(0, 100_000));
      const error = await userError(() => readDataset(path));
      expect(error.message).toBe(`${path} is truncated or corrupt (gzip: unexpected end of file)`);
      expect(error.fix).toBe('download it again');
    });
  });

  it('a .gz that is not gzip', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'data.csv.gz');
      await writeFile(path, await readFile(SAMPLE_CSV));
      const error = await userError(() => readDataset(path));
      expect(error.message).toBe(`${path} is truncated or corrupt (gzip: not gzip data)`);
    });
  });

  it('an empty file, an empty .gz and a header without rows', async () => {
    await withTempDir(async (dir) => {
      const empty = join(dir, 'empty.csv');
      await writeFile(empty, '');
      expect((await userError(() => readDataset(empty))).message).toBe(`${empty} is empty`);

      const emptyGz = join(dir, 'empty.csv.gz');
      await writeFile(emptyGz, gzipSync(''));
      expect((await userError(() => readDataset(emptyGz))).message).toBe(`${emptyGz} is empty`);

      const header = join(dir, 'header.csv');
      await writeFile(header, `${(await sampleLines())[0]}\n`);
      expect((await userError(() => readDataset(header))).message).toBe(`${header} has a header but no rows`);
    });
  });

  it('blank lines, such as a trailing one an editor adds, are not rows', async () => {
    await withTempDir(async (dir) => {
      const lines = await sampleLines();
      const file = join(dir, 'blank-lines.csv');
      await writeFile(file, `${lines.slice(0, 3).join('\n')}\n\n${lines.slice(3).join('\n')}\n\n`);
      expect((await readDataset(file)).rows.length).toBe(lines.length - 1);
    });
  });

  it('a path that does not exist', async () => {
    const error = await userError(() => readDataset('/nonexistent/diabetic_data.csv'));
    expect(error.message).toBe('/nonexistent/diabetic_data.csv: no such file');
  });
});

describe('readCsvFromStore and parseCsv', () => {
  it('read processed files and refuse a missing key', async () => {
    await withTempDir(async (dir) => {
      const store = new LocalStore(dir);
      const lines = (await sampleLines()).map((line, i) => `${line},${i === 0 ? 'target' : i % 2}`);
      await store.write('processed/batches/batch_01.csv', lines.join('\n') + '\n');

      const table = await readCsvFromStore(store, 'processed/batches/batch_01.csv');
      expect(table.rows.length).toBe(40);
      expect(table.source).toBe(join(dir, 'processed/batches/batch_01.csv'));
      expect(parseCsv(lines.join('\n'), 'reference sample')).toEqual({
        ...table,
        source: 'reference sample',
      });

      const error = await readCsvFromStore(store, 'processed/batches/batch_02.csv').catch(
        (e: UserError) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(EXIT_CODES.notFound);
      expect(() => parseCsv(setField(lines, 2, 50, '2').join('\n'), 'reference sample')).toThrow(
        'reference sample: line 3, column "target": "2" is not valid; expected one of 0, 1',
      );
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
