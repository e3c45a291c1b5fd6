import { existsSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  expectJsonError,
  expectNothingHalfWritten,
  expectOneLineError,
  filesUnder,
  makeWorkdir,
  REAL_DATA,
  realLines,
  removeWorkdir,
  requireBuild,
  runCli,
  STORE_DIR,
} from './helpers.js';

/**
 * Bad input and bad flags through the built binary: each fails with its documented exit code and one line
 * that names the cause and the fix, and leaves no processed file behind.
 */

const EXIT = { usage: 2, badInput: 3 } as const;

let workdir: string;
let header: string[];
let rows: string[][];

beforeAll(async () => {
  requireBuild();
  const lines = await realLines(4);
  header = lines[0].split(',');
  rows = lines.slice(1).map((line) => line.split(','));
});

beforeEach(async () => {
  workdir = await makeWorkdir('bad-input');
});

afterEach(async () => {
  await removeWorkdir(workdir);
});

async function writeCsv(name: string, columns: string[], records: string[][]): Promise<string> {
  const path = join(workdir, name);
  await writeFile(path, [columns, ...records].map((fields) => `${fields.join(',')}\r\n`).join(''));
  return path;
}

/** After a failed split: no processed file, no manifest, no temporary file. */
async function expectNoSplitWritten(): Promise<void> {
  expect(existsSync(join(workdir, STORE_DIR, 'processed/manifest.json'))).toBe(false);
  expect(
    (await filesUnder(join(workdir, STORE_DIR))).filter((file) => file.startsWith('processed/')),
  ).toEqual([]);
  await expectNothingHalfWritten(workdir);
}

describe('split on bad input', () => {
  it('names the missing column and exits 3', async () => {
    const data = await writeCsv(
      'missing-column.csv',
      header.filter((name) => name !== 'num_medications'),
      rows,
    );

    const result = await runCli(['split', '--data', data], { cwd: workdir });

    const line = expectOneLineError(result, EXIT.badInput);
    expect(line).toContain(data);
    expect(line).toContain('the column "num_medications" is missing');
    expect(line).toContain('download it again');
    await expectNoSplitWritten();
  });

  it('names the line and the column of a non-numeric value and exits 3', async () => {
    const column = header.indexOf('num_medications');
    const bad = rows.map((fields, i) =>
      i === 1 ? fields.map((v, j) => (j === column ? 'twelve' : v)) : fields,
    );
    const data = await writeCsv('not-a-number.csv', header, bad);

    const result = await runCli(['split', '--data', data], { cwd: workdir });

    const line = expectOneLineError(result, EXIT.badInput);
    expect(line).toContain(`${data}: line 3, column "num_medications": "twelve" is not valid`);
    expect(line).toContain('expected a whole number from 0 to 200');
    await expectNoSplitWritten();
  });

  it('reports a truncated .gz as truncated and says to download it again, exit 3', async () => {
    const data = join(workdir, 'diabetic_data.csv.gz');
    const head = Buffer.alloc(100_000);
    const handle = await open(REAL_DATA, 'r');
    await handle.read(head, 0, head.length, 0).finally(() => handle.close());
    await writeFile(data, head);

    const result = await runCli(['split', '--data', data], { cwd: workdir });

    const line = expectOneLineError(result, EXIT.badInput);
    expect(line).toMatch(
      /diabetic_data\.csv\.gz is truncated or corrupt \(gzip: .+\) \(download it again\)$/,
    );
    await expectNoSplitWritten();
  });

  it('reports an empty file, exit 3', async () => {
    const data = join(workdir, 'empty.csv');
    await writeFile(data, '');

    const result = await runCli(['split', '--data', data], { cwd: workdir });

    const line = expectOneLineError(result, EXIT.badInput);
    expect(line).toBe(`Error: ${data} is empty (pass the full diabetic_data.csv)`);
    await expectNoSplitWritten();
  });

  it('reports a missing file with the flag to fix, exit 3', async () => {
    const data = join(workdir, 'nowhere.csv.gz');

    const result = await runCli(['split', '--data', data], { cwd: workdir });

    expect(expectOneLineError(result, EXIT.badInput)).toBe(
      `Error: ${data}: no such file (check the path given to --data)`,
    );
    await expectNoSplitWritten();
  });

  it('with --json prints one JSON error with message and fix, and the same exit code', async () => {
    const data = await writeCsv(
      'missing-column.csv',
      header.filter((name) => name !== 'num_medications'),
      rows,
    );

    const result = await runCli(['split', '--data', data, '--json'], { cwd: workdir });

    const error = expectJsonError(result, EXIT.badInput);
    expect(error.kind).toBe('user');
    expect(error.message).toContain('the column "num_medications" is missing');
    expect(error.fix).toContain('download it again');
    await expectNoSplitWritten();
  });
});

describe('bad flags', () => {
  it('rejects an unknown flag with exit 2 and points at --help', async () => {
    const result = await runCli(['split', '--frobnicate'], { cwd: workdir });

    expect(expectOneLineError(result, EXIT.usage)).toBe(
      'Error: Nonexistent flag: --frobnicate (run `healthpredict split --help` for its flags)',
    );
    await expectNoSplitWritten();
  });

  it('rejects a non-numeric --max-auc-drop with exit 2, naming the flag', async () => {
    const result = await runCli(['register', '--max-auc-drop', 'abc'], { cwd: workdir });

    expect(expectOneLineError(result, EXIT.usage)).toBe(
      'Error: --max-auc-drop: expected a number in [0, 1], got "abc" ' +
        '(run `healthpredict register --help` for its flags)',
    );
  });

  it('with --json reports a bad flag value as a usage error, exit 2', async () => {
    const result = await runCli(['register', '--max-auc-drop', 'abc', '--json'], { cwd: workdir });

    const error = expectJsonError(result, EXIT.usage);
    expect(error).toEqual({
      kind: 'usage',
      message: '--max-auc-drop: expected a number in [0, 1], got "abc"',
      fix: 'run `healthpredict register --help` for its flags',
      exitCode: EXIT.usage,
    });
  });

  it('rejects a non-integer --trials with exit 2, naming the flag and the value', async () => {
    const result = await runCli(['train', '--trials', 'abc'], { cwd: workdir });

    expect(expectOneLineError(result, EXIT.usage)).toBe(
      'Error: --trials: Expected an integer but received: abc (run `healthpredict train --help` for its flags)',
    );
  });

  it('names a missing required flag, exit 2', async () => {
    const result = await runCli(['monitor'], { cwd: workdir });

    expect(expectOneLineError(result, EXIT.usage)).toBe(
      'Error: Missing required flag batch (run `healthpredict monitor --help` for its flags)',
    );
  });
});

describe('config', () => {
  it('prints every key with where its value came from', async () => {
    const result = await runCli(['config'], { cwd: workdir, env: { HEALTHPREDICT_THREADS: '3' } });

    expect(result.code).toBe(0);
    const table = result.stdout.split('\n');
    expect(table[0]).toMatch(/^key\s+value\s+source\s+environment$/);
    expect(table.find((line) => line.startsWith('seed '))).toMatch(
      /^seed\s+42\s+default\s+HEALTHPREDICT_SEED$/,
    );
    expect(table.find((line) => line.startsWith('threads '))).toMatch(
      /^threads\s+3\s+env \(HEALTHPREDICT_THREADS\)\s+HEALTHPREDICT_THREADS$/,
    );
  });

  it('with --json honours HEALTHPREDICT_SEED and says it came from the environment', async () => {
    await writeFile(join(workdir, 'healthpredict.config.json'), JSON.stringify({ seed: 5, batches: 3 }));

    const result = await runCli(['config', '--json'], { cwd: workdir, env: { HEALTHPREDICT_SEED: '9' } });

    expect(result.code).toBe(0);
    const resolved = JSON.parse(result.stdout) as {
      values: Record<string, unknown>;
      sources: Record<string, { source: string; detail?: string }>;
    };
    expect(resolved.values.seed).toBe(9);
    expect(resolved.sources.seed).toEqual({ source: 'env', detail: 'HEALTHPREDICT_SEED' });
    expect(resolved.values.batches).toBe(3);
    expect(resolved.sources.batches.source).toBe('file');
    expect(resolved.sources.threads).toEqual({ source: 'default' });
  });

  it('rejects a non-numeric HEALTHPREDICT_SEED with one line naming the variable', async () => {
    const result = await runCli(['config'], { cwd: workdir, env: { HEALTHPREDICT_SEED: 'abc' } });

    const line = expectOneLineError(result, EXIT.usage);
    expect(line).toContain('HEALTHPREDICT_SEED');
    expect(line).toContain('"abc"');
  });

  it('rejects a configuration file that does not parse, exit 3', async () => {
    const file = join(workdir, 'healthpredict.config.json');
    await writeFile(file, '{bad');

    const result = await runCli(['config'], { cwd: workdir });

    expect(expectOneLineError(result, EXIT.badInput)).toContain(
      `the configuration file ${file} cannot be parsed`,
    );
    expect(await readFile(file, 'utf8')).toBe('{bad');
  });
});
