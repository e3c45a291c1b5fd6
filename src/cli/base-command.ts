import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import createDebug from 'debug';

import { loadConfig, type Config, type ResolvedConfig } from '../core/config/index.js';
import { EXIT_CODES, ExternalError, InterruptedError, OutcomeExit, UserError } from '../core/errors/index.js';

/**
 * What every command shares: `--json`, `--verbose`, `--config`, configuration resolution, cancellation on
 * SIGINT and SIGTERM, and one way of reporting errors: a one-line message with what to do, the documented
 * exit code, and the error as JSON under `--json`.
 */
export abstract class BaseCommand extends Command {
  static enableJsonFlag = true;

  static baseFlags = {
    verbose: Flags.boolean({
      description: 'Log debug output of every module to stderr, and stacks of errors.',
    }),
    config: Flags.string({
      description: 'Configuration file (JSON or YAML) instead of ./healthpredict.config.*',
    }),
  };

  /** Aborted on the first SIGINT or SIGTERM; long work checks it between steps. */
  protected readonly abort = new AbortController();
  /**
   * Commands whose work writes each file atomically and opens no run until its last step end at once on the
   * first signal, instead of finishing what they were doing.
   */
  protected readonly stopAtOnce: boolean = false;
  private verbose = false;

  async init(): Promise<void> {
    await super.init();
    this.verbose = this.argv.includes('--verbose');
    if (this.verbose) createDebug.enable('healthpredict:*');

    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.stopAtOnce) {
        process.stderr.write(
          `\nError: interrupted by ${signal} (nothing half-written was kept; run the command again)\n`,
        );
        process.exit(EXIT_CODES.interrupted);
      }
      if (this.abort.signal.aborted) process.exit(EXIT_CODES.interrupted);
      process.stderr.write(
        `\n${signal}: stopping, finishing what is under way (send it again to stop at once)\n`,
      );
      this.abort.abort(new InterruptedError(signal));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  /** Resolves configuration from flags, environment, the configuration file and defaults. */
  protected resolveConfig(flags: Partial<Config>, configFile?: string): ResolvedConfig {
    const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
    return loadConfig({ flags: given as Partial<Config>, configFile });
  }

  async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    const described = describe(error, this.id ?? '');
    process.exitCode = described.exitCode;

    if (this.jsonEnabled()) {
      const result = error instanceof OutcomeExit ? error.result : undefined;
      this.logJson(result ?? { error: { ...described, stack: this.verbose ? error.stack : undefined } });
    } else if (!(error instanceof OutcomeExit)) {
      const fix = described.fix ? ` (${described.fix})` : '';
      process.stderr.write(`Error: ${described.message}${fix}\n`);
      if (this.verbose && described.kind === 'bug' && error.stack) process.stderr.write(`${error.stack}\n`);
    }
    throw new Errors.ExitError(described.exitCode);
  }
}

interface DescribedError {
  kind: 'user' | 'external' | 'interrupted' | 'outcome' | 'usage' | 'bug';
  message: string;
  fix?: string;
  exitCode: number;
  system?: string;
  status?: number | string;
}

function describe(error: Error & { oclif?: { exit?: number } }, commandId: string): DescribedError {
  const help = `run \`healthpredict ${commandId.replaceAll(':', ' ')} --help\` for its flags`;
  if (error instanceof UserError) {
    return { kind: 'user', message: error.message, fix: error.fix, exitCode: error.exitCode };
  }
  const fileSystem = fileSystemError(error);
  if (fileSystem) return fileSystem;
  if (error instanceof ExternalError) {
    const tail = error.output ? `; its output ends: ${error.output.split('\n').slice(-3).join(' | ')}` : '';
    return {
      kind: 'external',
      message: `${error.message}${tail}`,
      fix: `check that ${error.system} is installed and reachable, then run the command again (--verbose shows more)`,
      exitCode: error.exitCode,
      system: error.system,
      status: error.status,
    };
  }
  if (error instanceof InterruptedError)
    return {
      kind: 'interrupted',
      message: error.message,
      fix: 'runs under way were marked KILLED; run the command again to start over',
      exitCode: error.exitCode,
    };
  if (error instanceof OutcomeExit)
    return { kind: 'outcome', message: error.message, exitCode: error.exitCode };
  if (isParseError(error)) {
    return { kind: 'usage', message: parseErrorLine(error.message), fix: help, exitCode: EXIT_CODES.usage };
  }
  return {
    kind: 'bug',
    message: `${error.message} (an internal error; rerun with --verbose for the stack)`,
    exitCode: EXIT_CODES.internal,
  };
}

/**
 * oclif's parser wraps a flag's own parse error as "Parsing --name \n\t<cause>\nSee more help with --help"
 * whatever the error's class, so that shape is a usage error too, even without `oclif.exit`.
 */
function isParseError(error: Error & { oclif?: { exit?: number } }): boolean {
  if (error.oclif?.exit !== undefined || /^Parsing --[\w-]+ ?\n/.test(error.message)) return true;
  return error.name.endsWith('Error') && /flag|argument/i.test(error.message);
}

/**
 * oclif's messages span lines ("The following error occurred:\n  Missing required flag batch\nSee more
 * help…"); the cause is in the middle lines, so they are kept and joined into one line.
 */
const OCLIF_FRAME = /^See more help with --help$|^The following errors? occurred:$/;

function parseErrorLine(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim().replace(/^Error: /, ''))
    .filter((line) => line !== '' && !OCLIF_FRAME.test(line));
  const flag = /^Parsing (--[\w-]+)$/.exec(lines[0] ?? '');
  if (flag && lines.length > 1) return `${flag[1]}: ${lines.slice(1).join('; ')}`;
  return lines.join('; ');
}

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<T['flags'] & T['baseFlags']>;

const FILE_SYSTEM_CAUSES: Record<string, [string, string]> = {
  EACCES: [
    'permission denied',
    'give this user write access there, or choose another --store / --tracking-uri',
  ],
  EPERM: [
    'operation not permitted',
    'give this user write access there, or choose another --store / --tracking-uri',
  ],
  EROFS: ['the file system is read-only', 'choose a writable --store / --tracking-uri'],
  ENOSPC: ['no space left on the device', 'free some disk space, or choose a --store on another disk'],
  ENOTDIR: ['a part of the path is a file, not a directory', 'point --store / --tracking-uri at a directory'],
  EISDIR: ['it is a directory, not a file', 'give the path of a file'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n) and run the command again'],
};

/** A failure of the local file system: the user's to fix, with the path and the cause in one line. */
function fileSystemError(error: Error & { code?: unknown; path?: unknown }): DescribedError | undefined {
  const cause = typeof error.code === 'string' ? FILE_SYSTEM_CAUSES[error.code] : undefined;
  if (!cause) return undefined;
  const where = typeof error.path === 'string' ? ` ${error.path}` : '';
  return {
    kind: 'user',
    message: `cannot use${where}: ${cause[0]}`,
    fix: cause[1],
    exitCode: EXIT_CODES.badInput,
  };
}
