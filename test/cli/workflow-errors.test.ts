import { cp } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  collect,
  expectJsonError,
  expectNothingHalfWritten,
  expectOneLineError,
  makeWorkdir,
  REAL_DATA,
  removeWorkdir,
  requireBuild,
  RUN_STATUS,
  runCli,
  runDirectories,
  runStatuses,
  spawnCli,
  STORE_DIR,
  waitForStderr,
  within,
} from './helpers.js';

/**
 * Failures that need a real pipeline behind them: one working directory is split on the real file, trained
 * (one family, a short search) and registered once, and the cases below run against it.
 */

const EXIT = { notFound: 4, interrupted: 130 } as const;

/** Few trials keep the prepared store quick to make; the search still carries one trial to the top rung. */
const TRIALS = '3';

let prepared: string;
let splitOnly: string;

async function mustSucceed(args: string[], cwd: string): Promise<void> {
  const result = await runCli(args, { cwd });
  if (result.code !== 0) {
    throw new Error(
      `\`${args.join(' ')}\` exited ${result.code} while preparing the workdir: ${result.stderr}`,
    );
  }
}

beforeAll(async () => {
  requireBuild();
  prepared = await makeWorkdir('prepared');
  await mustSucceed(['split', '--data', REAL_DATA], prepared);

  // A split and nothing else: the store of the prepared workdir before anything was trained.
  splitOnly = await makeWorkdir('split-only');
  await cp(join(prepared, STORE_DIR), join(splitOnly, STORE_DIR), { recursive: true });

  await mustSucceed(['train', '--hpo', '--trials', TRIALS, '--family', 'logistic'], prepared);
  await mustSucceed(['register'], prepared);
});

afterAll(async () => {
  await removeWorkdir(prepared);
  await removeWorkdir(splitOnly);
});

describe('monitor on what does not exist', () => {
  it('names the batches there are when the batch is unknown, exit 4', async () => {
    const result = await runCli(['monitor', '--batch', '9'], { cwd: prepared });

    expect(expectOneLineError(result, EXIT.notFound)).toBe(
      `Error: batch 9 is not in ${join(prepared, STORE_DIR)} (choose one of 1, 2, 3, 4, 5)`,
    );
    await expectNothingHalfWritten(prepared);
  });

  it('with --json prints the same as one JSON error, exit 4', async () => {
    const result = await runCli(['monitor', '--batch', '9', '--json'], { cwd: prepared });

    expect(expectJsonError(result, EXIT.notFound)).toEqual({
      kind: 'user',
      message: `batch 9 is not in ${join(prepared, STORE_DIR)}`,
      fix: 'choose one of 1, 2, 3, 4, 5',
      exitCode: EXIT.notFound,
    });
    await expectNothingHalfWritten(prepared);
  });

  it('says to run register when there is a split but no champion, exit 4', async () => {
    const result = await runCli(['monitor', '--batch', '1'], { cwd: splitOnly });

    const line = expectOneLineError(result, EXIT.notFound);
    expect(line).toContain('HealthPredict has no version with the alias champion');
    expect(line).toContain('then `healthpredict register`');
    await expectNothingHalfWritten(splitOnly);
  });

  it('with --json gives the missing champion as one JSON error, exit 4', async () => {
    const result = await runCli(['monitor', '--batch', '1', '--json'], { cwd: splitOnly });

    const error = expectJsonError(result, EXIT.notFound);
    expect(error.message).toContain('HealthPredict has no version with the alias champion');
    expect(error.fix).toContain('then `healthpredict register`');
  });
});

describe('Ctrl-C during train --hpo', () => {
  it('exits 130 and leaves every run of the invocation KILLED or FINISHED, none RUNNING', async () => {
    const before = new Set(await runDirectories(prepared));
    const child = spawnCli(['train', '--hpo', '--trials', '30'], { cwd: prepared, progress: true });
    const finished = collect(child);

    await waitForStderr(child, /trial \d+ rung/, 30_000);
    child.kill('SIGINT');
    const result = await within(finished, 10_000, 'exiting after SIGINT').finally(() =>
      child.kill('SIGKILL'),
    );

    expect(result.code, result.stderr).toBe(EXIT.interrupted);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('Error:'));
    expect(errors).toEqual([
      'Error: interrupted by SIGINT (runs under way were marked KILLED; run the command again to start over)',
    ]);
    expect(result.stderr).not.toMatch(/^\s+at .+/m);

    const runs = (await runDirectories(prepared)).filter((run) => !before.has(run));
    const statuses = [...(await runStatuses(prepared, runs)).values()];
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.filter((s) => s !== RUN_STATUS.KILLED && s !== RUN_STATUS.FINISHED)).toEqual([]);
    expect(statuses).toContain(RUN_STATUS.KILLED);
    await expectNothingHalfWritten(prepared);
  });
});

describe('register through the quality gate', () => {
  // Runs last in this file: it changes the champion of the prepared workdir.
  it('promotes a better challenger, then refuses a worse one with exit 10 and keeps the champion', async () => {
    // One XGBoost fit beats the logistic champion on initial_test by about 0.01 AUC (test/pipeline shows
    // the families' AUCs), so with the default tolerance it is promoted.
    await mustSucceed(['train', '--family', 'xgboost'], prepared);
    const promoted = await runCli(['register', '--json'], { cwd: prepared });
    expect(promoted.code, promoted.stderr).toBe(0);
    const better = JSON.parse(promoted.stdout);
    expect(better.gate.promoted).toBe(true);

    // A logistic challenger scores below that champion; with no tolerance the gate must refuse it.
    await mustSucceed(['train', '--family', 'logistic'], prepared);
    const refused = await runCli(['register', '--max-auc-drop', '0', '--json'], { cwd: prepared });
    expect(refused.code, refused.stderr).toBe(10);
    const worse = JSON.parse(refused.stdout);
    expect(worse.gate.promoted).toBe(false);
    expect(worse.gate.challengerAuc).toBeLessThan(worse.gate.championAuc);
    expect(worse.championVersion).toBe(better.challenger.version);
    expect(worse.challenger.version).not.toBe(better.challenger.version);

    const plain = await runCli(['register', '--max-auc-drop', '0', '--parent-run-id', worse.parentRunId], {
      cwd: prepared,
    });
    expect(plain.code).toBe(10);
    expect(plain.stdout).toMatch(
      /NOT promoted: challenger AUC [\d.]+ vs champion v\d+ [\d.]+, more than 0 worse/,
    );

    const monitored = await runCli(['monitor', '--batch', '1', '--json'], { cwd: prepared });
    expect(JSON.parse(monitored.stdout).championVersion).toBe(better.challenger.version);
  });
});
