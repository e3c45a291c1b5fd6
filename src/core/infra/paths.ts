import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { EXIT_CODES, UserError } from '../errors/index.js';

/** The package's root: `src/core/infra` and `dist/core/infra` are both three levels below it. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const SHIPPED_IAC_DIR = join(PACKAGE_ROOT, 'iac');

/** Where a working directory without its own `iac/` keeps a copy of the shipped one, with its state. */
export const WORKING_IAC_DIR = '.healthpredict/iac';

const TERRAFORM_FILE = /\.(tf|tftpl)$|^example\.tfvars$|^\.gitignore$/;

function hasTerraformFiles(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((name) => name.endsWith('.tf'));
}

/**
 * The Terraform directory `infra` works in: `explicit` when given; `./iac` when the working directory has
 * one (a checkout of this repository); otherwise `./.healthpredict/iac`, refreshed from the shipped `iac/`,
 * so that the state stays with the operator's directory and never inside the installed package.
 */
export async function resolveIacDir(cwd: string, explicit?: string): Promise<string> {
  if (explicit) {
    const dir = resolve(cwd, explicit);
    if (!hasTerraformFiles(dir)) {
      throw new UserError(
        `${dir} holds no Terraform files (*.tf)`,
        'give --dir a directory with the stack, or leave it out to use the one shipped with healthpredict',
        EXIT_CODES.badInput,
      );
    }
    return dir;
  }
  const local = resolve(cwd, 'iac');
  if (hasTerraformFiles(local)) return local;

  const working = resolve(cwd, WORKING_IAC_DIR);
  await mkdir(working, { recursive: true });
  for (const name of await readdir(SHIPPED_IAC_DIR)) {
    if (TERRAFORM_FILE.test(name)) await copyFile(join(SHIPPED_IAC_DIR, name), join(working, name));
  }
  return working;
}
