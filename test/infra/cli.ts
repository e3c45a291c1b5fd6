import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
export const BIN = join(root, 'bin/run.js');

export function requireBuild(): void {
  if (!existsSync(join(root, 'dist/commands/infra/up.js'))) {
    throw new Error(`${join(root, 'dist')} has no infra commands: run \`npm run build\` first`);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Fake AWS credentials: enough for the SDK's chain to find some, never sent anywhere by these tests. */
export const FAKE_AWS_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIATESTDOUBLE000000',
  AWS_SECRET_ACCESS_KEY: 'test-double-secret',
};

/**
 * Runs `bin/run.js ARGS` with an environment built from nothing: no credentials, profile or region of the
 * machine running the tests, the instance metadata service off, and PATH as given (where the terraform
 * double is, or a directory without terraform).
 */
export function runHealthpredict(
  args: string[],
  options: { cwd: string; path: string; env?: Record<string, string>; stdin?: string },
): Promise<RunResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: {
      PATH: options.path,
      HOME: options.cwd,
      AWS_CONFIG_FILE: join(options.cwd, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(options.cwd, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
