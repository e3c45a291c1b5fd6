// Runs every benchmark in order, each in its own process so that one's heap does not slow the next, and
// prints the machine once. Needs `npm run build` first. Usage: npm run bench (or node bench/run-all.js).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { importDist, printHeader } from './lib.js';

const SCRIPTS = ['read.js', 'split.js', 'features.js', 'xgboost.js', 'hpo.js', 'predict.js', 'serve.js', 'run.js'];

await importDist('core/data/read.js');
printHeader();
for (const script of SCRIPTS) {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const env = { ...process.env, HEALTHPREDICT_BENCH_CHILD: '1' };
  const { status } = spawnSync(process.execPath, [path], { stdio: 'inherit', env });
  if (status !== 0) {
    process.stderr.write(`bench: ${script} failed with exit code ${status}\n`);
    process.exit(status ?? 1);
  }
}
