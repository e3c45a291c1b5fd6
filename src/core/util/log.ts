import createDebug from 'debug';

/**
 * Logging goes to stderr only; stdout holds a command's result alone. `debug` namespaces are per module
 * (`healthpredict:<module>`) and `--verbose` enables `healthpredict:*`. Info lines are on by default and
 * silenced by `HEALTHPREDICT_QUIET=1` (tests, `--json` consumers that want a clean stderr).
 */
export function debugFor(module: string): createDebug.Debugger {
  const logger = createDebug(`healthpredict:${module}`);
  logger.log = (...args: unknown[]) => process.stderr.write(`${args.join(' ')}\n`);
  return logger;
}

export function info(message: string): void {
  if (process.env.HEALTHPREDICT_QUIET === '1') return;
  process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
