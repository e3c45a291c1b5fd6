import { spawn } from 'node:child_process';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';
import { debugFor } from '../util/log.js';

const debug = debugFor('infra');

/** How much of Terraform's output an error keeps: enough for its last diagnostic. */
const TAIL_CHARS = 4_000;

export interface TerraformRunOptions {
  /** The Terraform configuration directory; Terraform runs with it as its working directory. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  /** Where Terraform's progress goes; stdout of the CLI is kept for the result alone. */
  log?: NodeJS.WritableStream;
  /**
   * Collect stdout instead of streaming either stream (for `output -json` and `state list`, whose warnings
   * would only be noise); an error still shows the end of both.
   */
  capture?: boolean;
}

export interface TerraformRun {
  code: number;
  stdout: string;
  /** The end of everything Terraform printed, for error messages. */
  tail: string;
}

export const TERRAFORM_MISSING_FIX =
  'install Terraform 1.5 or later (https://developer.hashicorp.com/terraform/install) and put `terraform` on PATH';

/**
 * Runs `terraform ARGS` in `dir`. Both of its streams go to `log` (stderr by default) unless the output is
 * captured; a missing binary is a user error that says how to install it.
 */
export function runTerraform(args: string[], options: TerraformRunOptions): Promise<TerraformRun> {
  const log = options.log ?? process.stderr;
  debug('terraform %s (in %s)', args.join(' '), options.dir);
  const child = spawn('terraform', args, {
    cwd: options.dir,
    env: { ...(options.env ?? process.env), TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdout = '';
  let tail = '';
  const keep = (text: string): void => {
    tail = (tail + text).slice(-TAIL_CHARS);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    keep(text);
    if (options.capture) stdout += text;
    else log.write(text);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    keep(text);
    if (!options.capture) log.write(text);
  });

  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new UserError(
            'terraform is not installed or not on PATH',
            TERRAFORM_MISSING_FIX,
            EXIT_CODES.external,
          ),
        );
      } else {
        reject(new ExternalError('terraform', `could not start: ${error.message}`));
      }
    });
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, tail }));
  });
}

/** Runs Terraform and throws an ExternalError naming the step when it exits non-zero. */
export async function terraformStep(
  step: string,
  args: string[],
  options: TerraformRunOptions,
): Promise<TerraformRun> {
  const run = await runTerraform(args, options);
  if (run.code !== 0) {
    throw new ExternalError('terraform', `\`terraform ${step}\` failed (exit ${run.code})`, {
      status: run.code,
      output: lastLines(run.tail),
    });
  }
  return run;
}

/**
 * What an error shows of Terraform's output: its last diagnostic ("Error: ..." and the two lines after it),
 * else its last three lines, without the box-drawing frame of diagnostics.
 */
export function lastLines(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.replace(/^[│╷╵\s]+/, '').trimEnd())
    .filter((line) => line !== '');
  const error = lines.map((line) => line.startsWith('Error: ')).lastIndexOf(true);
  return (error >= 0 ? lines.slice(error, error + 3) : lines.slice(-3)).join('\n');
}
