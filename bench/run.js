// Figure 6: the whole main job, `bin/run.js run --data <real file>`, in a temporary working directory so
// that its store, mlruns and cache start empty. Single run. Needs `npm run build` first.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { figure, importDist, printHeaderIfAlone, requireData, runCli, timeOnce } from './lib.js';

printHeaderIfAlone();
await importDist('commands/run.js');
const data = requireData();
const directory = await mkdtemp(join(tmpdir(), 'healthpredict-bench-run-'));

try {
  const { value: outcome, ms } = await timeOnce(() => runCli(['run', '--data', data, '--json'], directory));
  if (outcome.code !== 0) {
    process.stderr.write(`bench: run exited with ${outcome.code}\n${outcome.stderr.slice(-2000)}\n`);
    process.exit(1);
  }
  const result = JSON.parse(outcome.stdout);
  const retrained = result.batches.filter((batch) => batch.retrained).length;
  const promoted = result.batches.filter((batch) => batch.promoted).length;
  figure('whole run (bin/run.js run)', ms, [
    `${result.batches.length} batches, ${retrained} retrained, ${promoted} promoted`,
    'wall time, single run',
  ]);
} finally {
  await rm(directory, { recursive: true, force: true });
}
