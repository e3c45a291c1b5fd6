/**
 * `serve`, `predict` and `monitor --capture-from` as the built binary runs them (run `npm run build` first),
 * against a champion that the pipeline services trained and registered on the real data. Expected
 * probabilities come from `scoreTable`, the offline scorer of training and monitoring.
 */
import { readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readCsvFromStore } from '../../src/core/data/read.js';
import type { Table } from '../../src/core/data/table.js';
import { EXCLUDED_DISPOSITIONS } from '../../src/core/data/contract.js';
import { withoutExcludedDispositions } from '../../src/core/features/engineer.js';
import { scoreTable } from '../../src/core/models/scorer.js';
import {
  collect,
  expectOneLineError,
  makeWorkdir,
  removeWorkdir,
  requireBuild,
  runCli,
  spawnCli,
  waitForStderr,
  within,
} from '../cli/helpers.js';
import { copyModelDirectory, rowAsRecord, trainChampion, type Champion } from './helpers.js';
import { get, post, postInTwoParts } from './http.js';

let champion: Champion;
let workdir: string;
let test: Table;
let records: Record<string, unknown>[];
let expected: Float64Array;

beforeAll(async () => {
  requireBuild();
  champion = await trainChampion('cli');
  workdir = await makeWorkdir('serving');
  test = withoutExcludedDispositions(champion.splits.test);
  records = test.rows.slice(0, 50).map((row) => rowAsRecord(test.columns, row));
  expected = scoreTable(champion.artifact, test);
});

afterAll(async () => {
  await removeWorkdir(workdir);
});

/** The environment that points the CLI at the champion's store and tracking store. */
const stores = () => ({ HEALTHPREDICT_STORE: champion.storeDir, MLFLOW_TRACKING_URI: champion.trackingDir });

/** Starts `serve --port 0 …` and returns the child and the URL it listens on, once the model is loaded. */
async function startServe(args: string[], env: Record<string, string>) {
  const child = spawnCli(['serve', '--port', '0', ...args], { cwd: workdir, env });
  const finished = collect(child);
  const stderr = await waitForStderr(child, /"msg":"model loaded"/, 30_000);
  const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
  if (!port) throw new Error(`no listening line in: ${stderr}`);
  return { child, finished, url: `http://127.0.0.1:${port}`, stderr };
}

describe('serve', () => {
  it('serves a local model directory with no tracking store, and shuts down on SIGTERM after the request in flight', async () => {
    const model = await copyModelDirectory(champion);
    // A tracking URI that nothing answers: a local directory must not need it.
    const server = await startServe(['--model-uri', model, '--json'], {
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:9',
    });

    const info = (await get(`${server.url}/model-info`)).json;
    expect(info).toMatchObject({
      name: 'HealthPredict',
      version: champion.version,
      run_id: champion.runId,
      alias: null,
    });
    expect((await post(`${server.url}/predict`, records[0])).json.probability).toBe(expected[0]);

    const inFlight = postInTwoParts(`${server.url}/predict`, JSON.stringify({ records }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    inFlight.finish();
    const answer = await inFlight.answer;
    expect(answer.status).toBe(200);
    expect(answer.json.predictions.map((p: { probability: number }) => p.probability)).toEqual(
      Array.from(expected.subarray(0, 50)),
    );

    const result = await within(server.finished, 15_000, 'serve to exit after SIGTERM');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      url: server.url,
      predictions: 51,
      model: { uri: model, version: champion.version },
    });
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('captures what it scores, writes the buffer out on SIGTERM, and monitor reads the window', async () => {
    const from = new Date();
    const server = await startServe(
      ['--model-uri', `models:/HealthPredict/${champion.version}`, '--capture'],
      stores(),
    );
    expect((await get(`${server.url}/model-info`)).json).toMatchObject({
      alias: 'champion',
      version: champion.version,
    });
    const answer = await post(`${server.url}/predict`, { records: records.slice(0, 40) });
    expect(answer.status).toBe(200);
    server.child.kill('SIGTERM');
    const result = await within(server.finished, 15_000, 'serve to exit after SIGTERM');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/captured 40 records in \d+ files/);
    const to = new Date();

    const monitored = await runCli(
      ['monitor', '--capture-from', from.toISOString(), '--capture-to', to.toISOString(), '--json'],
      { cwd: workdir, env: stores() },
    );
    expect(monitored.code, monitored.stderr).toBe(0);
    const report = JSON.parse(monitored.stdout);
    expect(report).toMatchObject({
      batch: 0,
      rows: 40,
      championVersion: champion.version,
      performance: null,
    });
    expect(report.reportKeys).toEqual(['drift/batch_00/report.json', 'drift/batch_00/report.html']);
  });

  it('stops with exit 4 and a one-line error after its start-up log when the model does not exist', async () => {
    const result = await runCli(['serve', '--port', '0', '--model-uri', 'models:/HealthPredict/99'], {
      cwd: workdir,
      env: stores(),
    });
    expect(result.code, result.stderr).toBe(4);
    // The server listens before it loads (so /health answers while a model loads); its JSON log comes first.
    const lines = result.stderr.trimEnd().split('\n');
    for (const line of lines.slice(0, -1)) expect(JSON.parse(line)).toHaveProperty('level');
    expect(lines.at(-1)).toBe(
      'Error: registered model "HealthPredict" has no version 99 (use one of its versions: 1)',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops with exit 2 when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as { port: number }).port);
    try {
      const result = await runCli(['serve', '--port', port], { cwd: workdir, env: stores() });
      expect(expectOneLineError(result, 2)).toContain(
        `cannot listen on 127.0.0.1:${port}: the address is in use`,
      );
    } finally {
      taken.close();
    }
  });

  it('refuses monitor without --batch or --capture-from', async () => {
    const result = await runCli(['monitor'], { cwd: workdir, env: stores() });
    expectOneLineError(result, 2);
  });
});

describe('predict', () => {
  it('refuses to write over its input, through a link to it, or to a device', async () => {
    const input = join(workdir, 'same.csv');
    writeFileSync(input, readFileSync(join(champion.storeDir, 'processed/initial_test.csv')));
    symlinkSync(input, join(workdir, 'link-to-same.csv'));
    for (const output of [input, join(workdir, 'link-to-same.csv'), '/dev/null']) {
      const result = await runCli(['predict', '--input', input, '--output', output], {
        cwd: workdir,
        env: stores(),
      });
      expect(expectOneLineError(result, 2)).toMatch(/is the input file itself|is not a regular file/);
    }
    expect(readFileSync(input)).toEqual(readFileSync(join(champion.storeDir, 'processed/initial_test.csv')));
  });

  it('scores processed/future.csv as the offline scorer does (bench/predict.js times it)', async () => {
    const input = join(champion.storeDir, 'processed/future.csv');
    const output = join(workdir, 'future-scored.csv');
    const result = await runCli(['predict', '--input', input, '--output', output, '--json'], {
      cwd: workdir,
      env: stores(),
    });
    expect(result.code, result.stderr).toBe(0);

    const future = await readCsvFromStore(champion.store, 'processed/future.csv');
    const scored = parse(readFileSync(output), { bom: true }) as string[][];
    expect(scored[0]).toEqual([...future.columns, 'probability', 'prediction']);
    expect(scored.length - 1).toBe(81_413);

    const disposition = future.columns.indexOf('discharge_disposition_id');
    const kept = withoutExcludedDispositions(future);
    const reference = scoreTable(champion.artifact, kept);
    const threshold = champion.artifact.descriptor.threshold;
    let k = 0;
    let worst = 0;
    for (let i = 0; i < future.rows.length; i++) {
      const row = scored[i + 1];
      expect(row.slice(0, future.columns.length)).toEqual(future.rows[i]);
      if (EXCLUDED_DISPOSITIONS.has(Number(future.rows[i][disposition]))) {
        expect(row.slice(-2)).toEqual(['', '']);
        continue;
      }
      worst = Math.max(worst, Math.abs(Number(row.at(-2)) - reference[k]));
      expect(row.at(-1)).toBe(reference[k] >= threshold ? '1' : '0');
      k++;
    }
    expect(k).toBe(kept.rows.length);
    expect(worst).toBeLessThanOrEqual(1e-9);

    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      rows: 81_413,
      scored: kept.rows.length,
      undefinedOutcome: 81_413 - kept.rows.length,
    });
    expect(statSync(output).size).toBeGreaterThan(statSync(input).size);
  });

  it('stops at the first bad row with its line and column, exit 3', async () => {
    const input = join(workdir, 'bad.csv');
    const lines = readFileSync(join(champion.storeDir, 'processed/initial_test.csv'), 'utf8')
      .split('\n')
      .slice(0, 4);
    lines[3] = lines[3].replace(/,\[\d+-\d+\),/, ',[70-75),');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const result = await runCli(['predict', '--input', input, '--output', join(workdir, 'out.csv')], {
      cwd: workdir,
      env: stores(),
    });
    expect(expectOneLineError(result, 3)).toMatch(/bad\.csv: line 4, column "age": expected one of \[0-10\)/);
  });
});
