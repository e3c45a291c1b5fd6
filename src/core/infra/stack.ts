import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';
import { billedResources, type BilledResource } from './costs.js';
import { checkAwsCredentials } from './credentials.js';
import { setConfigValues, unsetConfigValues } from './config-file.js';
import {
  configFromOutputs,
  outputValues,
  parseTerraformOutputs,
  type StackConfigValues,
  type TerraformOutputs,
} from './outputs.js';
import { lastLines, runTerraform, terraformStep, type TerraformRunOptions } from './terraform.js';
import { DEFAULT_REGION, saveStackVariables, type StackVariables } from './variables.js';

export interface StackOptions {
  /** The Terraform directory (see `resolveIacDir`). */
  dir: string;
  /** Where Terraform's own output goes (stderr by default). */
  log?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

export interface InfraUpOptions extends StackOptions {
  variables: StackVariables;
  /** The region of a new stack without --region: the configuration's (see `saveStackVariables`). */
  fallbackRegion?: string;
  /** The configuration file that receives the stack's store, registry and region. */
  configFile: string;
}

export interface InfraUpResult {
  dir: string;
  terraformVersion: string;
  variables: StackVariables;
  outputs: Record<string, unknown>;
  config: { file: string; values: StackConfigValues };
}

const PLAN_FILE = 'healthpredict.tfplan';

/** `terraform init`, `plan` and `apply` of the stack, then its outputs saved into the configuration. */
export async function infraUp(options: InfraUpOptions): Promise<InfraUpResult> {
  const run = runOptions(options);
  const terraformVersion = await ensureTerraform(run);
  const variables = await saveStackVariables(options.dir, options.variables, options.fallbackRegion);
  await checkAwsCredentials(variables.region ?? DEFAULT_REGION);

  await terraformStep('init', ['init', '-input=false', '-no-color'], run);
  try {
    await terraformStep('plan', ['plan', '-input=false', '-no-color', `-out=${PLAN_FILE}`], run);
    await applyPlan(run);
  } finally {
    // A saved plan holds every value of the configuration in clear text.
    await rm(join(options.dir, PLAN_FILE), { force: true });
  }

  const outputs = await readOutputs(run);
  const values = configFromOutputs(outputs);
  await setConfigValues(options.configFile, { ...values });
  return {
    dir: options.dir,
    terraformVersion,
    variables,
    outputs: outputValues(outputs),
    config: { file: options.configFile, values },
  };
}

async function applyPlan(run: TerraformRunOptions): Promise<void> {
  try {
    await terraformStep('apply', ['apply', '-input=false', '-no-color', PLAN_FILE], run);
  } catch (error) {
    if (!(error instanceof ExternalError)) throw error;
    const created = billedResources(await stateList(run).catch(() => []));
    const billed = created.length > 0 ? `; already created and billed: ${describeBilled(created)}` : '';
    throw new ExternalError(
      'terraform',
      `\`terraform apply\` failed (exit ${error.status})${billed}; fix the cause and rerun \`healthpredict infra up\`, or remove what exists with \`healthpredict infra down\``,
      { status: error.status, output: error.output },
    );
  }
}

export interface InfraDownOptions extends StackOptions {
  /** The configuration file whose stack values are removed once the stack is gone. */
  configFile?: string;
  /** Asked before anything is destroyed, with the list of resources; false stops. */
  confirm: (question: string, resources: string[]) => Promise<boolean>;
}

export interface InfraDownResult {
  dir: string;
  destroyed: string[];
  config?: { file: string; removed: string[] };
}

/** `terraform destroy` of the stack after confirmation; on failure, names what is still billed. */
export async function infraDown(options: InfraDownOptions): Promise<InfraDownResult> {
  const run = runOptions(options);
  await ensureTerraform(run);
  // The state is local, so an empty one is known without `terraform init`, which needs the network.
  const resources = await stateList(run);
  if (resources.length === 0) return { dir: options.dir, destroyed: [] };
  await terraformStep('init', ['init', '-input=false', '-no-color'], run);
  const outputs = await readOutputs(run);
  await checkAwsCredentials(regionOf(outputs));

  const question = `Destroy the ${resources.length} resources of the stack in ${options.dir}, the bucket's objects and the repository's images included?`;
  if (!(await options.confirm(question, resources))) {
    throw new UserError(
      'destroy declined: nothing was destroyed',
      'answer yes to destroy, or rerun with --yes',
      EXIT_CODES.usage,
    );
  }

  const destroy = await runTerraform(['destroy', '-auto-approve', '-input=false', '-no-color'], run);
  if (destroy.code !== 0) {
    const left = billedResources(await stateList(run).catch(() => resources));
    const billed =
      left.length > 0
        ? `these still exist and keep costing money: ${describeBilled(left)}`
        : 'what is left is not billed';
    throw new ExternalError(
      'terraform',
      `\`terraform destroy\` failed (exit ${destroy.code}); ${billed}; fix the cause and rerun \`healthpredict infra down\`, or delete them in the AWS console`,
      { status: destroy.code, output: lastLines(destroy.tail) },
    );
  }

  const result: InfraDownResult = { dir: options.dir, destroyed: resources };
  const saved = stackConfigOrUndefined(outputs);
  if (options.configFile && saved) {
    const removed = await unsetConfigValues(options.configFile, { ...saved });
    result.config = { file: options.configFile, removed };
  }
  return result;
}

export interface InfraStatusOptions extends StackOptions {
  /** The values of the resolved configuration, to tell whether they point at this stack. */
  config: { store: string; registry: string; awsRegion: string };
}

export interface InfraStatusResult {
  dir: string;
  terraformVersion: string;
  initialized: boolean;
  resources: string[];
  billed: BilledResource[];
  outputs: Record<string, unknown>;
  /** Whether the configuration in effect uses this stack's bucket, registry and region. */
  configured: boolean;
}

/** What the local state holds: resources, the billed ones, outputs, and whether the configuration uses them. */
export async function infraStatus(options: InfraStatusOptions): Promise<InfraStatusResult> {
  const run = runOptions(options);
  const terraformVersion = await ensureTerraform(run);
  const resources = await stateList(run);
  const outputs = resources.length > 0 ? await readOutputs(run) : {};
  const expected = stackConfigOrUndefined(outputs);
  return {
    dir: options.dir,
    terraformVersion,
    initialized: existsSync(join(options.dir, '.terraform')),
    resources,
    billed: billedResources(resources),
    outputs: outputValues(outputs),
    configured:
      expected !== undefined &&
      expected.store === options.config.store &&
      expected.registry === options.config.registry &&
      expected.awsRegion === options.config.awsRegion,
  };
}

export interface InfraOutputOptions extends StackOptions {
  /** Also save the store, registry and region into this configuration file. */
  saveTo?: string;
}

export interface InfraOutputResult {
  outputs: Record<string, unknown>;
  config?: { file: string; values: StackConfigValues };
}

/** The stack's outputs, optionally saved into the configuration again. */
export async function infraOutput(options: InfraOutputOptions): Promise<InfraOutputResult> {
  const run = runOptions(options);
  const outputs = await readOutputs(run);
  const result: InfraOutputResult = { outputs: outputValues(outputs) };
  if (options.saveTo) {
    if (Object.keys(outputs).length === 0) {
      throw new UserError(
        `the stack in ${options.dir} has no outputs`,
        'create it first with `healthpredict infra up`',
        EXIT_CODES.notFound,
      );
    }
    const values = configFromOutputs(outputs);
    await setConfigValues(options.saveTo, { ...values });
    result.config = { file: options.saveTo, values };
  }
  return result;
}

function runOptions(options: StackOptions): TerraformRunOptions {
  return { dir: options.dir, log: options.log, env: options.env };
}

/** Terraform's version, or the error that says it is missing. */
async function ensureTerraform(run: TerraformRunOptions): Promise<string> {
  const { stdout } = await terraformStep('version', ['version', '-json'], { ...run, capture: true });
  try {
    return String((JSON.parse(stdout) as { terraform_version: string }).terraform_version);
  } catch {
    return /Terraform v(\S+)/.exec(stdout)?.[1] ?? 'unknown';
  }
}

async function readOutputs(run: TerraformRunOptions): Promise<TerraformOutputs> {
  const { stdout } = await terraformStep('output', ['output', '-json', '-no-color'], {
    ...run,
    capture: true,
  });
  return parseTerraformOutputs(stdout);
}

/** The addresses in the state; none when there is no state yet. */
async function stateList(run: TerraformRunOptions): Promise<string[]> {
  const list = await runTerraform(['state', 'list', '-no-color'], { ...run, capture: true });
  if (list.code !== 0) {
    if (/No state file was found/i.test(list.tail)) return [];
    throw new ExternalError('terraform', `\`terraform state list\` failed (exit ${list.code})`, {
      status: list.code,
      output: lastLines(list.tail),
    });
  }
  return list.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function stackConfigOrUndefined(outputs: TerraformOutputs): StackConfigValues | undefined {
  try {
    return configFromOutputs(outputs);
  } catch {
    return undefined;
  }
}

function regionOf(outputs: TerraformOutputs): string {
  return typeof outputs.region?.value === 'string' ? outputs.region.value : '';
}

function describeBilled(resources: BilledResource[]): string {
  return resources.map((resource) => `${resource.address} (${resource.cost})`).join(', ');
}
