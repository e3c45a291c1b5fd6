/**
 * The three kinds of failure the CLI tells apart, and the one table of exit codes.
 *
 * - `UserError`: something the user can fix (a flag, a file, a missing champion); the message says what was
 *   wrong and `fix` says what to do.
 * - `ExternalError`: a system outside the process failed (a server, a native library, a child process); it
 *   carries the system's name and, where there is one, its status or exit code.
 * - anything else is a bug and is shown with its stack under `--verbose`.
 */

export const EXIT_CODES = {
  ok: 0,
  /** An unexpected failure: a bug in healthpredict. */
  internal: 1,
  /** A flag or argument is wrong or missing (oclif's own parse errors use 2 as well). */
  usage: 2,
  /** An input file is missing, unreadable or breaks the column contract. */
  badInput: 3,
  /** A run, model, version, alias or batch that the command needs does not exist. */
  notFound: 4,
  /** `register`: the challenger was registered but the quality gate refused promotion. */
  gateRejected: 10,
  /** `monitor --exit-code`: dataset drift was detected. */
  drift: 20,
  /**
   * `deploy`: the rollout did not complete in time or the Service answered another model version; the
   * previous revision was restored (or, on a first deploy, what it created was removed) and nothing recorded.
   */
  rolledBack: 30,
  /** `deploy`: the deployment failed and so did its rollback; the cluster needs an operator. */
  rollbackFailed: 31,
  /** A system outside the process (native library, server, child process) failed. */
  external: 70,
  /** Interrupted by SIGINT or SIGTERM; runs under way were marked KILLED. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export class UserError extends Error {
  readonly fix: string;
  readonly exitCode: ExitCode;

  constructor(message: string, fix: string, exitCode: ExitCode = EXIT_CODES.usage) {
    super(message);
    this.name = 'UserError';
    this.fix = fix;
    this.exitCode = exitCode;
  }
}

export class ExternalError extends Error {
  readonly system: string;
  readonly status?: number | string;
  readonly output?: string;
  readonly exitCode: ExitCode = EXIT_CODES.external;

  constructor(system: string, message: string, options: { status?: number | string; output?: string } = {}) {
    super(`${system}: ${message}`);
    this.name = 'ExternalError';
    this.system = system;
    this.status = options.status;
    this.output = options.output;
  }
}

/** Raised when SIGINT or SIGTERM arrives during long work, after the work has cleaned up. */
export class InterruptedError extends Error {
  readonly exitCode: ExitCode = EXIT_CODES.interrupted;

  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

/** Ends long work between steps once SIGINT or SIGTERM has aborted the signal. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted)
    throw signal.reason instanceof InterruptedError ? signal.reason : new InterruptedError('SIGINT');
}

/** A command's outcome that is not a failure of the tool but must show in the exit status. */
export class OutcomeExit extends Error {
  readonly exitCode: ExitCode;
  readonly result: unknown;

  constructor(message: string, exitCode: ExitCode, result: unknown) {
    super(message);
    this.name = 'OutcomeExit';
    this.exitCode = exitCode;
    this.result = result;
  }
}
