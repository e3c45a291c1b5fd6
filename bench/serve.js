// Figure 7: the prediction service under load. `bin/run.js serve` runs as a child process with a champion
// trained here on the real data (XGBoost, default parameters); autocannon, in this process, sends
// single-record POST /predict at 50 connections for 20 s, then 100-record batches for 20 s, then single
// records until the server has answered 1,000,000 requests in all, and the server's resident memory is read
// from /proc. Needs `npm run build` first.
//
// HEALTHPREDICT_BENCH_SERVE_SECONDS (default 20) and HEALTHPREDICT_BENCH_SERVE_REQUESTS (default 1,000,000)
// shorten it; bench/out/serve.log keeps the server's request log.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { importDist, printHeaderIfAlone, ROOT } from './lib.js';
import { load, memoryOf, recordsOf, startServer, trainChampion } from './serve/load.js';

const SECONDS = Number(process.env.HEALTHPREDICT_BENCH_SERVE_SECONDS ?? 20);
const TOTAL = Number(process.env.HEALTHPREDICT_BENCH_SERVE_REQUESTS ?? 1_000_000);
const CONNECTIONS = 50;

printHeaderIfAlone();
await importDist('commands/serve.js');
const champion = await trainChampion();
const records = recordsOf(champion.test);
const singles = records.slice(0, 1000).map((record) => JSON.stringify(record));
const batches = Array.from({ length: 20 }, (_, i) =>
  JSON.stringify({ records: records.slice(i * 100, i * 100 + 100) }),
);
console.log(
  `model: XGBoost, ${champion.trees} trees, max_depth ${champion.params.max_depth}; ` +
    `single body ${singles[0].length} bytes, batch body ${batches[0].length} bytes`,
);

await mkdir(join(ROOT, 'bench/out'), { recursive: true });
const server = await startServer(['--tracking-uri', champion.trackingDir], join(ROOT, 'bench/out/serve.log'));
const line = (label, r, perRecord = 1) =>
  console.log(
    `${label}: ${Math.round(r.perSecond)} req/s (${Math.round(r.perSecond * perRecord)} records/s), ` +
      `latency p50 ${r.p50} ms, p90 ${r.p90} ms, p99 ${r.p99} ms, max ${r.max} ms; ` +
      `${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors`,
  );

try {
  // A short warm-up, so that the figures are of compiled code, as a server that has been up a while runs.
  await load(server.url, singles, { connections: CONNECTIONS, duration: 3 });
  const memoryAtStart = await memoryOf(server.child.pid);

  const single = await load(server.url, singles, { connections: CONNECTIONS, duration: SECONDS });
  line(`single-record POST /predict, ${CONNECTIONS} connections, ${SECONDS} s`, single);
  const batch = await load(server.url, batches, { connections: CONNECTIONS, duration: SECONDS });
  line(`100-record POST /predict, ${CONNECTIONS} connections, ${SECONDS} s`, batch, 100);

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const answered = metrics
    .split('\n')
    .filter((l) => l.startsWith('healthpredict_http_requests_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  const rest = Math.max(0, TOTAL - answered);
  const started = Date.now();
  const tail = await load(server.url, singles, { connections: CONNECTIONS, amount: rest });
  const memory = await memoryOf(server.child.pid);
  console.log(
    `memory: resident ${memory.rss.toFixed(0)} MiB after ${answered + tail.requests} requests ` +
      `(${memoryAtStart.rss.toFixed(0)} MiB after the warm-up; peak ${memory.peak.toFixed(0)} MiB); ` +
      `the last ${tail.requests} at ${Math.round((tail.requests * 1000) / (Date.now() - started))} req/s`,
  );
} finally {
  const stopped = await server.stop();
  console.log(`server stopped on SIGTERM with exit code ${stopped.code}: ${stopped.stdout.trim()}`);
  await rm(champion.dir, { recursive: true, force: true });
}
