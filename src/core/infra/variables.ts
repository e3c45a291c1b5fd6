import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { EXIT_CODES, UserError } from '../errors/index.js';
import { writeFileAtomic } from '../util/files.js';

/** The variables of `iac/variables.tf` that `infra up` takes as flags, by their Terraform names. */
export interface StackVariables {
  region?: string;
  instance_type?: string;
  operator_cidr?: string;
  key_name?: string;
  name_prefix?: string;
}

/**
 * Terraform loads `*.auto.tfvars.json` by itself, so the values given to one `infra up` are kept here and
 * every later plan, `infra down` included, uses the same ones without asking again.
 */
export const VARIABLES_FILE = 'healthpredict.auto.tfvars.json';

export async function readStackVariables(dir: string): Promise<StackVariables> {
  const file = join(dir, VARIABLES_FILE);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StackVariables;
  } catch (error) {
    throw new UserError(
      `${file} cannot be parsed: ${(error as Error).message}`,
      `fix it or delete it and give the variables as flags again`,
      EXIT_CODES.badInput,
    );
  }
}

/** The default of the `region` variable in `iac/variables.tf`. */
export const DEFAULT_REGION = 'us-east-1';

/**
 * Merges `given` into the saved variables, checks them, saves them and returns them. The region is always
 * saved: changing the region of an existing stack would replace all of it, so once chosen (by --region, else
 * `fallbackRegion`, the configuration's region, else the variable's default) it changes only by --region.
 */
export async function saveStackVariables(
  dir: string,
  given: StackVariables,
  fallbackRegion?: string,
): Promise<StackVariables> {
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  const variables: StackVariables = { ...(await readStackVariables(dir)), ...defined };
  variables.region ??= fallbackRegion || DEFAULT_REGION;
  checkOperatorCidr(variables.operator_cidr);
  await writeFileAtomic(join(dir, VARIABLES_FILE), `${JSON.stringify(variables, null, 2)}\n`);
  return variables;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The same rule as the variable's validation in `iac/variables.tf`, checked before Terraform starts. */
export function checkOperatorCidr(cidr: string | undefined): void {
  const fix =
    'give your public address as a CIDR, e.g. --operator-cidr "$(curl -s https://checkip.amazonaws.com)/32"';
  if (cidr === undefined) {
    throw new UserError('the stack needs --operator-cidr, the only network allowed in', fix);
  }
  const match = IPV4_CIDR.exec(cidr);
  const valid =
    match !== null && match.slice(1, 5).every((part) => Number(part) <= 255) && Number(match[5]) <= 32;
  if (!valid) throw new UserError(`--operator-cidr "${cidr}" is not an IPv4 CIDR`, fix);
  if (Number(match[5]) === 0) {
    throw new UserError(`--operator-cidr ${cidr} would open the host to the whole internet`, fix);
  }
}
