import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { EXIT_CODES, UserError } from '../errors/index.js';

const run = promisify(execFile);

/**
 * The root of the running CLI's package (where package.json, bin/ and dist/ are), found from this file, which
 * is `src/core/container/` under vitest and `dist/core/container/` once built.
 */
export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

export function templatesDir(root = projectRoot()): string {
  return join(root, 'templates');
}

/**
 * The commit the CLI was built from: `given` when set, else `HEAD` of the git work tree at `root`. An image's
 * tag and its `org.opencontainers.image.revision` label carry it, so it must be known.
 */
export async function sourceCommit(root: string, given?: string): Promise<string> {
  if (given) return given.toLowerCase();
  if (!existsSync(join(root, '.git'))) {
    throw new UserError(
      `${root} is not a git work tree, so the source commit of the image is unknown`,
      'pass --source-commit with the hash of the commit the CLI was built from',
      EXIT_CODES.usage,
    );
  }
  try {
    const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd: root });
    return stdout.trim();
  } catch (error) {
    throw new UserError(
      `git cannot read the commit of ${root}: ${(error as Error).message.split('\n')[0]}`,
      'install git, or pass --source-commit',
      EXIT_CODES.usage,
    );
  }
}
