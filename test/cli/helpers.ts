import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

import { expect } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const BIN = join(root, 'bin/run.js');

/** The full UCI file, shared by every checkout beside this one. */
export const REAL_DATA =
  process.env.HEALTHPREDICT_TEST_DATA ?? resolve(root, '../shared/data/diabetic_data.csv.gz');

export const STORE_DIR = '.healthpredict/store';
export const TRACKING_DIR = 'mlruns';

/** These tests run the built binary, as CI does after `npm run build`; they never build it themselves. */
export function requireBuild(): void {
  if (!existsSync(join(root, 'dist/commands/split.js'))) {
    throw new Error(
      `${join(root, 'dist')} is missing: run \`npm run build\` before \`npx vitest run test/cli\``,
    );
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Progress lines on stderr (default off: HEALTHPREDICT_QUIET=1). */
  progress?: boolean;
}

/**
 * The environment of a child: this one without any healthpredict or MLflow setting of the machine running
 * the tests, so that only the working directory and `env` decide the configuration.
 */
export function childEnv(options: Pick<CliOptions, 'cwd' | 'env' | 'progress'>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) => !name.startsWith('HEALTHPREDICT_') && !name.startsWith('MLFLOW_'),
  );
  return {
    ...Object.fromEntries(inherited),
    HEALTHPREDICT_CACHE_DIR: join(options.cwd, '.cache'),
    ...(options.progress ? {} : { HEALTHPREDICT_QUIET: '1' }),
    ...options.env,
  };
}

export function spawnCli(args: string[], options: CliOptions): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: childEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `bin/run.js ARGS` to its end and collects what it printed. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  const child = spawnCli(args, options);
  return collect(child);
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

export async function makeWorkdir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `healthpredict-cli-${prefix}-`));
}

export async function removeWorkdir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** The first `count` lines of the real file (header included), without their CRLF line ends. */
export async function realLines(count: number): Promise<string[]> {
  const stream = createReadStream(REAL_DATA).pipe(createGunzip());
  const lines: string[] = [];
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    lines.push(line.replace(/\r$/, ''));
    if (lines.length === count) break;
  }
  stream.destroy();
  return lines;
}

const STACK_FRAME = /^\s+at .+/m;

/**
 * Asserts the error report of a failed command without `--json`: one line on stderr, `Error: <cause>
 * (<fix>)`, and no stack. Returns the line.
 */
export function expectOneLineError(result: CliResult, exitCode: number): string {
  expect(result.code, `exit code; stderr: ${result.stderr}`).toBe(exitCode);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, 'stderr must be a single line').toHaveLength(1);
  expect(lines[0]).toMatch(/^Error: .+ \(.+\)$/);
  expect(result.stderr).not.toMatch(STACK_FRAME);
  return lines[0];
}

export interface JsonError {
  kind: string;
  message: string;
  fix?: string;
  exitCode: number;
  stack?: string;
}

/** Asserts the error report of a failed command with `--json`: one JSON document, with message and fix. */
export function expectJsonError(result: CliResult, exitCode: number): JsonError {
  expect(result.code, `exit code; stdout: ${result.stdout}; stderr: ${result.stderr}`).toBe(exitCode);
  expect(result.stderr).toBe('');
  const document = JSON.parse(result.stdout) as { error: JsonError };
  expect(Object.keys(document)).toEqual(['error']);
  const { error } = document;
  expect(error.exitCode).toBe(exitCode);
  expect(error.message).toEqual(expect.any(String));
  expect(error.fix).toEqual(expect.any(String));
  expect(error.message).not.toContain('\n');
  expect(error.fix).not.toContain('\n');
  expect(error.stack).toBeUndefined();
  return error;
}

/** Every file under `dir`, hidden ones included, relative to it; none when `dir` does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(dir.length + 1))
    .sort();
}

/** Files that a write under a temporary name left behind in the store or the tracking store. */
export async function leftoverTemporaries(workdir: string): Promise<string[]> {
  const files = [
    ...(await filesUnder(join(workdir, STORE_DIR))),
    ...(await filesUnder(join(workdir, TRACKING_DIR))),
  ];
  return files.filter((file) => file.endsWith('.tmp'));
}

/** The run directories of the tracking store (`mlruns/<experiment>/<run>`), as `<experiment>/<run>`. */
export async function runDirectories(workdir: string): Promise<string[]> {
  const tracking = join(workdir, TRACKING_DIR);
  if (!existsSync(tracking)) return [];
  const runs: string[] = [];
  for (const experiment of await readdir(tracking, { withFileTypes: true })) {
    if (!experiment.isDirectory() || experiment.name === 'models' || experiment.name.startsWith('.'))
      continue;
    for (const run of await readdir(join(tracking, experiment.name), { withFileTypes: true })) {
      if (run.isDirectory() && existsSync(join(tracking, experiment.name, run.name, 'meta.yaml'))) {
        runs.push(`${experiment.name}/${run.name}`);
      }
    }
  }
  return runs.sort();
}

/** MLflow's RunStatus numbers as the FileStore writes them in a run's meta.yaml. */
export const RUN_STATUS = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;

/** The `status:` of each run's meta.yaml. */
export async function runStatuses(workdir: string, runs?: string[]): Promise<Map<string, number>> {
  const statuses = new Map<string, number>();
  for (const run of runs ?? (await runDirectories(workdir))) {
    const meta = await readFile(join(workdir, TRACKING_DIR, run, 'meta.yaml'), 'utf8');
    const status = /^status: (\d+)$/m.exec(meta);
    if (!status) throw new Error(`${run}/meta.yaml has no status line`);
    statuses.set(run, Number(status[1]));
  }
  return statuses;
}

/** Asserts that a failed command left nothing half-written: no temporary file and no RUNNING run. */
export async function expectNothingHalfWritten(workdir: string): Promise<void> {
  expect(await leftoverTemporaries(workdir)).toEqual([]);
  const running = [...(await runStatuses(workdir))].filter(([, status]) => status === RUN_STATUS.RUNNING);
  expect(running, 'runs left RUNNING').toEqual([]);
}

/** The child's stderr once it matches `pattern`; rejects when the child ends first or time runs out. */
export function waitForStderr(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  let stderr = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms; stderr so far: ${stderr}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      stderr += chunk.toString();
      if (pattern.test(stderr)) {
        cleanUp();
        resolvePromise(stderr);
      }
    };
    const onClose = (code: number | null): void => {
      cleanUp();
      reject(new Error(`the command ended (exit ${code}) before ${pattern} appeared; stderr: ${stderr}`));
    };
    const cleanUp = (): void => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('close', onClose);
    };
    child.stderr?.on('data', onData);
    child.once('close', onClose);
  });
}

/** `promise`, or a rejection naming `what` when it takes longer than `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
