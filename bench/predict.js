// Offline scoring: `bin/run.js predict` on processed/future.csv (81,413 rows) with a registered XGBoost
// champion, in a temporary working directory. Single run of the command, after the store is prepared.
// Needs `npm run build` first.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { figure, importDist, printHeaderIfAlone, requireData, runCli, timeOnce } from './lib.js';

printHeaderIfAlone();
await importDist('commands/predict.js');
const data = requireData();
const directory = await mkdtemp(join(tmpdir(), 'healthpredict-bench-predict-'));

try {
  for (const args of [['split', '--data', data], ['train', '--family', 'xgboost'], ['register']]) {
    const prepared = await runCli(args, directory);
    if (prepared.code !== 0) throw new Error(`bench: ${args[0]} exited ${prepared.code}: ${prepared.stderr}`);
  }
  const input = join(directory, '.healthpredict/store/processed/future.csv');
  const output = join(directory, 'future-scored.csv');
  const { value: outcome, ms } = await timeOnce(() =>
    runCli(['predict', '--input', input, '--output', output, '--json'], directory),
  );
  if (outcome.code !== 0) throw new Error(`bench: predict exited ${outcome.code}: ${outcome.stderr}`);
  figure('predict on processed/future.csv', ms, ['81413 rows, XGBoost champion', 'wall time of the command']);
} finally {
  await rm(directory, { recursive: true, force: true });
}
