import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeWorkdir, REAL_DATA, removeWorkdir, requireBuild, runCli } from './helpers.js';

/**
 * The population scenario on the real file: batches 1 and 2 are left as they are and stay below the dataset
 * drift share (about 0.18 and 0.23 of the 44 inputs drift on the real data alone), batches 3 to 5 are shifted
 * and pass it, and `monitor --exit-code` says so with the documented drift code.
 */
const DRIFT_EXIT = 20;

let workdir: string;

beforeAll(async () => {
  requireBuild();
  workdir = await makeWorkdir('population');
  for (const args of [
    ['split', '--data', REAL_DATA, '--drift-scenario', 'population'],
    ['train', '--family', 'xgboost'],
    ['register'],
  ]) {
    const result = await runCli(args, { cwd: workdir });
    if (result.code !== 0) throw new Error(`\`${args.join(' ')}\` exited ${result.code}: ${result.stderr}`);
  }
});

afterAll(async () => {
  await removeWorkdir(workdir);
});

describe('monitor --exit-code on the population drift scenario', () => {
  it('exits 0 on an untouched batch and the drift code on a shifted one', async () => {
    const clean = await runCli(['monitor', '--batch', '2', '--exit-code', '--json'], { cwd: workdir });
    expect(clean.code, clean.stderr).toBe(0);
    const calm = JSON.parse(clean.stdout);
    expect(calm.datasetDrift).toBe(false);
    expect(calm.driftShare).toBeLessThan(0.5);

    const shifted = await runCli(['monitor', '--batch', '3', '--exit-code', '--json'], { cwd: workdir });
    expect(shifted.code, shifted.stderr).toBe(DRIFT_EXIT);
    const drifted = JSON.parse(shifted.stdout);
    expect(drifted.datasetDrift).toBe(true);
    expect(drifted.driftShare).toBeGreaterThanOrEqual(0.5);
    const recoded = drifted.columns.filter((c: { column: string }) =>
      ['race', 'insulin', 'change'].includes(c.column),
    );
    expect(recoded.every((c: { drifted: boolean }) => c.drifted)).toBe(true);
  });
});
