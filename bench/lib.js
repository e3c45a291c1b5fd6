// Shared helpers for the benchmark scripts. They import the built library from ../dist, so run
// `npm run build` first; `importDist` stops with that instruction when dist/ is missing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The real data set (beside the checkout, in shared/data/), unless HEALTHPREDICT_BENCH_DATA names another copy. */
export const DATA_FILE =
  process.env.HEALTHPREDICT_BENCH_DATA ??
  fileURLToPath(new URL('../../shared/data/diabetic_data.csv.gz', import.meta.url));

/** Repetitions for the cheap figures, whose median is printed. */
export const REPEATS = 3;

/** Loads a module of the built library, e.g. `core/data/read.js`, or exits telling how to build it. */
export async function importDist(path) {
  const url = new URL(`../dist/${path}`, import.meta.url);
  if (!existsSync(url)) {
    process.stderr.write(`bench: ${fileURLToPath(url)} is missing; run \`npm run build\` first\n`);
    process.exit(2);
  }
  return import(url.href);
}

export function requireData() {
  if (!existsSync(DATA_FILE)) {
    process.stderr.write(`bench: the data set ${DATA_FILE} is missing; set HEALTHPREDICT_BENCH_DATA\n`);
    process.exit(2);
  }
  return DATA_FILE;
}

/** Runs `work` once and returns its value and the elapsed milliseconds. */
export async function timeOnce(work) {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Runs `work` `repeats` times; returns the last value and the median of the elapsed times. */
export async function timeMedian(work, repeats = REPEATS) {
  const times = [];
  let value;
  for (let i = 0; i < repeats; i++) {
    const run = await timeOnce(work);
    value = run.value;
    times.push(run.ms);
  }
  times.sort((a, b) => a - b);
  return { value, ms: times[Math.floor(times.length / 2)], repeats };
}

/** One figure line, e.g. `read+validate csv.gz: 1834 ms (101766 rows, median of 3)`. */
export function figure(label, ms, detail = []) {
  const details = Array.isArray(detail) ? detail : [detail];
  const suffix = details.length > 0 ? ` (${details.join(', ')})` : '';
  console.log(`${label}: ${formatMs(ms)}${suffix}`);
}

export function formatMs(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export function medianOf(repeats) {
  return repeats > 1 ? `median of ${repeats}` : 'single run';
}

export function printHeader() {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const memory = (totalmem() / 1024 ** 3).toFixed(1);
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(`machine: ${model} x ${cores.length} cores, ${memory} GiB RAM, node ${process.version}`);
  // Figures from a machine that is busy with other work are slower; the load says how busy it was.
  console.log(`load average at start: ${load}`);
}

/** Prints the header when a script runs alone; run-all.js prints it once for all of them. */
export function printHeaderIfAlone() {
  if (process.env.HEALTHPREDICT_BENCH_CHILD !== '1') printHeader();
}

/** The chronological split of the real data used by several scripts (target any, seed 42). */
export async function loadChronologicalSplit() {
  const { readDataset } = await importDist('core/data/read.js');
  const { splitDataset } = await importDist('core/data/split.js');
  const table = await readDataset(requireData());
  return { table, split: splitDataset(table, { target: 'any', shuffle: false, seed: 42 }) };
}

/** The CLI's environment without the caller's healthpredict and MLflow settings, quiet, cache in `cwd`. */
function cleanEnvironment(cwd) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(HEALTHPREDICT_|MLFLOW_)/.test(name)),
  );
  return { ...env, HEALTHPREDICT_QUIET: '1', HEALTHPREDICT_CACHE_DIR: join(cwd, 'cache') };
}

/** Runs the built CLI in `cwd` and collects its exit code and output. */
export function runCli(args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], {
      cwd,
      env: cleanEnvironment(cwd),
    });
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() }),
    );
  });
}
