import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The full UCI file, shared by every checkout beside this one. */
export const REAL_DATA =
  process.env.HEALTHPREDICT_TEST_DATA ?? resolve(root, '../shared/data/diabetic_data.csv.gz');

/** The header and the first 40 rows of the UCI file, byte for byte (CRLF line ends). */
export const SAMPLE_CSV = resolve(root, 'test/fixtures/data/diabetic_sample.csv');

/**
 * Counts of `readmitted` in the full file, taken outside this code base with
 * `zcat diabetic_data.csv.gz | awk -F, 'NR>1 {n[$50]++} END {for (k in n) print k, n[k]}'`
 * (the last field keeps its `\r`, which does not change the counts).
 */
export const REAL_READMITTED = { NO: 54864, '>30': 35545, '<30': 11357 } as const;
export const REAL_ROWS = 101_766;

/** The lines of the sample, without line ends. */
export async function sampleLines(): Promise<string[]> {
  return (await readFile(SAMPLE_CSV, 'utf8')).split('\r\n').filter((line) => line !== '');
}

/** `readmitted` of every row of the real file, read without csv-parse so the count is independent. */
export async function realReadmitted(): Promise<string[]> {
  const lines = gunzipSync(await readFile(REAL_DATA))
    .toString('utf8')
    .split(/\r?\n/);
  return lines.slice(1, lines[lines.length - 1] === '' ? -1 : undefined).map((line) => line.split(',')[49]);
}

export async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'healthpredict-data-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Replaces one field of one line (0 is the header) of comma-separated lines. */
export function setField(lines: string[], line: number, field: number, value: string): string[] {
  return lines.map((text, i) => {
    if (i !== line) return text;
    const fields = text.split(',');
    fields[field] = value;
    return fields.join(',');
  });
}
