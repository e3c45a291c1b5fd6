// Pieces of the serving benchmark: a champion to serve, the server as a child process, and autocannon runs
// against it. The load comes from this process, the server runs in its own, as a client and a service would.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { importDist, requireData, ROOT } from '../lib.js';

/** Splits the real file, fits XGBoost once with the default parameters and registers it as the champion. */
export async function trainChampion() {
  const dir = await mkdtemp(join(tmpdir(), 'healthpredict-bench-serve-'));
  const { LocalStore } = await importDist('core/storage/index.js');
  const { openTracking } = await importDist('core/tracking/index.js');
  const { splitData, loadSplits } = await importDist('core/pipeline/split.js');
  const { trainModels } = await importDist('core/pipeline/train.js');
  const { registerModels } = await importDist('core/pipeline/register.js');

  process.env.HEALTHPREDICT_QUIET = '1';
  const store = new LocalStore(join(dir, 'store'));
  const backends = openTracking(join(dir, 'mlruns'));
  await splitData(store, { source: requireData(), target: 'any', shuffle: false, seed: 42, batches: 5 });
  const splits = await loadSplits(store);
  const trained = await trainModels({
    tracking: backends.tracking,
    splits,
    families: ['xgboost'],
    hpo: false,
    trials: 1,
    seed: 42,
    threads: 2,
    target: 'any',
  });
  await registerModels({
    ...backends,
    parentRunId: trained.parentRunId,
    evaluation: splits.test,
    maxAucDrop: 0.02,
  });
  const weights = JSON.parse(
    await backends.tracking.readArtifact(trained.families[0].bestRunId, 'model/weights.json'),
  );
  const trees = weights.learner.gradient_booster.model.trees.length;
  return {
    dir,
    trackingDir: join(dir, 'mlruns'),
    test: splits.test,
    trees,
    params: trained.families[0].params,
  };
}

/** The expired and hospice dispositions (EXCLUDED_DISPOSITIONS), which the service answers with a 422. */
const EXCLUDED = new Set([11, 13, 14, 19, 20, 21]);

/** Rows of a table as JSON records, the data set's names, numbers for counts and codes. */
export function recordsOf(table) {
  const disposition = table.columns.indexOf('discharge_disposition_id');
  return table.rows
    .filter((row) => !EXCLUDED.has(Number(row[disposition])))
    .map((row) => {
      const record = {};
      table.columns.forEach((name, i) => {
        if (name === 'target') return;
        record[name] = /^\d+$/.test(row[i]) && !name.startsWith('diag_') ? Number(row[i]) : row[i];
      });
      return record;
    });
}

/** Starts `bin/run.js serve` on a free port; resolves once the model is loaded. */
export async function startServer(args, logFile) {
  const { createWriteStream } = await import('node:fs');
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HEALTHPREDICT_QUIET: '1' },
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout })),
  );

  const url = await new Promise((resolve, reject) => {
    let head = '';
    let port;
    const onData = (chunk) => {
      log.write(chunk);
      if (head.length > 100_000) return;
      head += chunk;
      port ??= /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(head)?.[1];
      if (port && head.includes('"msg":"model loaded"')) resolve(`http://127.0.0.1:${port}`);
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before it was ready: ${head}`)));
  });
  return {
    child,
    url,
    exited,
    async stop() {
      child.kill('SIGTERM');
      const result = await exited;
      log.end();
      return result;
    },
  };
}

/** Resident and peak resident memory of a process, in MiB, from /proc. */
export async function memoryOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/**
 * One autocannon run of POST /predict cycling through `bodies` (prebuilt, so that the client does no work per
 * request beyond sending), for `duration` seconds or `amount` requests.
 */
export async function load(url, bodies, { connections = 50, duration, amount }) {
  const result = await autocannon({
    url: `${url}/predict`,
    connections,
    ...(amount ? { amount } : { duration }),
    requests: bodies.map((body) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / (result.duration || 1),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
  };
}
