import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { EXIT_CODES } from '../../src/core/errors/index.js';
import { DEFAULT_REGION } from '../../src/core/infra/variables.js';
import { FAKE_AWS_CREDENTIALS, requireBuild, runHealthpredict, type RunResult } from './cli.js';
import {
  DOUBLE_OUTPUTS,
  DOUBLE_RESOURCES,
  installTerraformDouble,
  type TerraformDouble,
} from './terraform-double.js';

const IAC = resolve(import.meta.dirname, '../../iac');

interface Call {
  args: string[];
  cwd: string;
  variables: Record<string, string> | null;
}

let work: string;
let iac: string;
let double: TerraformDouble;

beforeAll(() => requireBuild());

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'healthpredict-infra-'));
  iac = join(work, 'stack');
  await cp(IAC, iac, { recursive: true });
  double = await installTerraformDouble(join(work, 'double'));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

function healthpredict(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
  return runHealthpredict(args, {
    cwd: work,
    path: double.bin,
    env: { ...double.env, ...FAKE_AWS_CREDENTIALS, HEALTHPREDICT_QUIET: '1', ...options.env },
    stdin: options.stdin,
  });
}

async function calls(): Promise<Call[]> {
  if (!existsSync(double.log)) return [];
  return (await readFile(double.log, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Call);
}

const commandsOf = (list: Call[]): string[] => list.map((call) => call.args.join(' '));

async function readConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(work, 'healthpredict.config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** A failure without --json is one line on stderr, `Error: <what> (<fix>)` or an external error, no stack. */
function oneLineError(result: RunResult, code: number): string {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Error: /);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return lines[0];
}

// The values infra up must save, computed here from the double's outputs by the rule in the requirement.
const EXPECTED_CONFIG = {
  store: `s3://${DOUBLE_OUTPUTS.bucket.value}/healthpredict`,
  registry: DOUBLE_OUTPUTS.ecr_repository_uri.value,
  awsRegion: DOUBLE_OUTPUTS.region.value,
};

async function standUp(): Promise<RunResult> {
  const result = await healthpredict([
    'infra',
    'up',
    '--dir',
    iac,
    '--operator-cidr',
    '198.51.100.4/32',
    '--json',
  ]);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe('infra up', () => {
  it('runs init, plan and apply in the stack directory, then saves the outputs into the configuration', async () => {
    await writeFile(
      join(work, 'healthpredict.config.json'),
      JSON.stringify({ seed: 7, store: './old-store' }),
    );
    const result = await healthpredict([
      'infra',
      'up',
      '--dir',
      iac,
      '--operator-cidr',
      '198.51.100.4/32',
      '--region',
      'eu-west-1',
      '--instance-type',
      't3.xlarge',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);

    const list = await calls();
    expect(commandsOf(list)).toEqual([
      'version -json',
      'init -input=false -no-color',
      'plan -input=false -no-color -out=healthpredict.tfplan',
      'apply -input=false -no-color healthpredict.tfplan',
      'output -json -no-color',
    ]);
    expect(new Set(list.map((call) => call.cwd))).toEqual(new Set([iac]));
    // The flags reach Terraform through the variables file it loads by itself, in its own variable names.
    expect(list[2].variables).toEqual({
      operator_cidr: '198.51.100.4/32',
      region: 'eu-west-1',
      instance_type: 't3.xlarge',
    });
    expect(existsSync(join(iac, 'healthpredict.tfplan'))).toBe(false);

    // Terraform's own output streams to stderr; stdout holds the JSON result alone.
    expect(result.stderr).toContain(`Apply complete! Resources: ${DOUBLE_RESOURCES.length} added`);
    expect(result.stdout).not.toContain('Apply complete');
    const document = JSON.parse(result.stdout);
    expect(document.config.values).toEqual(EXPECTED_CONFIG);
    expect(document.outputs.admin_token).toBe('(sensitive)');
    expect(document.outputs.operator_ports).toEqual({ ssh: 22, airflow: 8080 });

    expect(await readConfig()).toEqual({ seed: 7, ...EXPECTED_CONFIG });
    expect((await readdir(work)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('makes later commands use the bucket, registry and region', async () => {
    await standUp();
    const config = await healthpredict(['config', '--json']);
    expect(config.code, config.stderr).toBe(0);
    const { values, sources } = JSON.parse(config.stdout);
    expect({ store: values.store, registry: values.registry, awsRegion: values.awsRegion }).toEqual(
      EXPECTED_CONFIG,
    );
    expect(sources.store.source).toBe('file');
  });

  it('updates a YAML configuration in place, comments kept', async () => {
    await writeFile(join(work, 'healthpredict.config.yaml'), '# tuned on the full data\nhpoTrials: 30\n');
    await standUp();
    const text = await readFile(join(work, 'healthpredict.config.yaml'), 'utf8');
    expect(text).toContain('# tuned on the full data');
    expect(text).toContain('hpoTrials: 30');
    expect(text).toContain(`store: ${EXPECTED_CONFIG.store}`);
    expect(existsSync(join(work, 'healthpredict.config.json'))).toBe(false);
  });

  it('keeps the state in ./.healthpredict/iac when the working directory has no iac/', async () => {
    const result = await healthpredict(['infra', 'up', '--operator-cidr', '198.51.100.4/32', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const copy = join(work, '.healthpredict/iac');
    expect(new Set((await calls()).map((call) => call.cwd))).toEqual(new Set([copy]));
    expect((await readdir(copy)).sort()).toEqual(
      expect.arrayContaining((await readdir(IAC)).filter((n) => n.endsWith('.tf'))),
    );
  });

  it('reuses the saved variables, so a second run needs no flags', async () => {
    await standUp();
    const again = await healthpredict(['infra', 'up', '--dir', iac, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const plans = (await calls()).filter((call) => call.args[0] === 'plan');
    // The region is saved on the first run (the variable's default here: no flag, no configured region), so
    // that the configuration's region, which the first run set from the outputs, cannot move the stack.
    const first = { operator_cidr: '198.51.100.4/32', region: DEFAULT_REGION };
    expect(plans.map((plan) => plan.variables)).toEqual([first, first]);
  });

  it('needs an operator CIDR, and refuses one open to everybody, before running Terraform', async () => {
    const missing = await healthpredict(['infra', 'up', '--dir', iac]);
    expect(oneLineError(missing, EXIT_CODES.usage)).toContain('--operator-cidr');
    const open = await healthpredict(['infra', 'up', '--dir', iac, '--operator-cidr', '0.0.0.0/0']);
    expect(oneLineError(open, EXIT_CODES.usage)).toContain('whole internet');
    expect(commandsOf(await calls())).toEqual(['version -json', 'version -json']);
  });

  it('reports a failing apply, with what was already created and billed, and saves no configuration', async () => {
    const result = await healthpredict(['infra', 'up', '--dir', iac, '--operator-cidr', '198.51.100.4/32'], {
      env: { TERRAFORM_DOUBLE_FAIL: 'apply' },
    });
    expect(result.code).toBe(EXIT_CODES.external);
    const last = result.stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^Error: terraform: `terraform apply` failed \(exit 1\)/);
    // The double leaves its first two resources behind; the bucket is the billed one of them.
    expect(last).toContain('already created and billed: aws_s3_bucket.artifacts (S3 bucket');
    expect(last).not.toContain('aws_vpc.main');
    expect(last).toContain('InsufficientInstanceCapacity');
    expect(last).toContain('healthpredict infra down');
    expect(existsSync(join(work, 'healthpredict.config.json'))).toBe(false);
    expect(existsSync(join(iac, 'healthpredict.tfplan'))).toBe(false);
  });

  it('says in one line that terraform is missing, and what to do', async () => {
    const empty = join(work, 'empty-bin');
    await mkdir(empty);
    const result = await runHealthpredict(
      ['infra', 'up', '--dir', iac, '--operator-cidr', '198.51.100.4/32'],
      {
        cwd: work,
        path: empty,
        env: FAKE_AWS_CREDENTIALS,
      },
    );
    const line = oneLineError(result, EXIT_CODES.external);
    expect(line).toContain('terraform is not installed or not on PATH');
    expect(line).toContain('install Terraform');
  });

  it('says in one line that AWS credentials are missing, before init', async () => {
    const result = await runHealthpredict(
      ['infra', 'up', '--dir', iac, '--operator-cidr', '198.51.100.4/32'],
      {
        cwd: work,
        path: double.bin,
        env: double.env,
      },
    );
    const line = oneLineError(result, EXIT_CODES.external);
    expect(line).toContain('no AWS credentials were found');
    expect(line).toContain('AWS_PROFILE');
    expect(commandsOf(await calls())).toEqual(['version -json']);
  });
});

describe('infra down', () => {
  it('destroys nothing when the answer is not yes, or there is no answer', async () => {
    await standUp();
    for (const stdin of ['no\n', '']) {
      const result = await healthpredict(['infra', 'down', '--dir', iac], { stdin });
      expect(result.code).toBe(EXIT_CODES.usage);
      expect(result.stderr).toContain('aws_instance.host');
      expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
        'Error: destroy declined: nothing was destroyed (answer yes to destroy, or rerun with --yes)',
      );
    }
    expect(commandsOf(await calls()).filter((command) => command.startsWith('destroy'))).toEqual([]);
    expect(JSON.parse(await readFile(double.state, 'utf8'))).toEqual(DOUBLE_RESOURCES);
    expect(await readConfig()).toEqual(EXPECTED_CONFIG);
  });

  it('destroys after "yes" and removes the stack from the configuration', async () => {
    await standUp();
    await writeFile(
      join(work, 'healthpredict.config.json'),
      JSON.stringify({ ...(await readConfig()), seed: 7 }),
    );
    const result = await healthpredict(['infra', 'down', '--dir', iac, '--json'], { stdin: 'yes\n' });
    expect(result.code, result.stderr).toBe(0);
    expect(commandsOf(await calls()).filter((command) => command.startsWith('destroy'))).toEqual([
      'destroy -auto-approve -input=false -no-color',
    ]);
    const document = JSON.parse(result.stdout);
    expect(document.destroyed).toEqual(DOUBLE_RESOURCES);
    expect(document.config.removed.sort()).toEqual(['awsRegion', 'registry', 'store']);
    expect(await readConfig()).toEqual({ seed: 7 });
  });

  it('destroys without asking under --yes', async () => {
    await standUp();
    const result = await healthpredict(['infra', 'down', '--dir', iac, '--yes', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(await readFile(double.state, 'utf8'))).toEqual([]);
  });

  it('names what still costs money when destroy fails', async () => {
    await standUp();
    const result = await healthpredict(['infra', 'down', '--dir', iac, '--yes'], {
      env: { TERRAFORM_DOUBLE_FAIL: 'destroy' },
    });
    expect(result.code).toBe(EXIT_CODES.external);
    const last = result.stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^Error: terraform: `terraform destroy` failed \(exit 1\)/);
    // The double's failing destroy leaves the bucket and the instance, both billed.
    expect(last).toContain('these still exist and keep costing money');
    expect(last).toContain('aws_s3_bucket.artifacts (S3 bucket: billed per GB-month');
    expect(last).toContain('aws_instance.host (EC2 instance: billed per hour');
    expect(last).toContain('BucketNotEmpty');
    expect(await readConfig()).toEqual(EXPECTED_CONFIG);
  });

  it('has nothing to do when there is no state', async () => {
    const result = await healthpredict(['infra', 'down', '--dir', iac, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).destroyed).toEqual([]);
  });
});

describe('infra status and infra output', () => {
  it('lists the resources, the billed ones, and whether the configuration uses the stack', async () => {
    const before = await healthpredict(['infra', 'status', '--dir', iac, '--json']);
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ resources: [], configured: false });

    await standUp();
    const after = await healthpredict(['infra', 'status', '--dir', iac, '--json']);
    expect(after.code, after.stderr).toBe(0);
    const status = JSON.parse(after.stdout);
    expect(status.resources).toEqual(DOUBLE_RESOURCES);
    expect(status.billed.map((b: { address: string }) => b.address)).toEqual([
      'aws_s3_bucket.artifacts',
      'aws_instance.host',
      'aws_ecr_repository.serving',
    ]);
    expect(status.configured).toBe(true);
    expect(status.terraformVersion).toBe('1.9.8');
  });

  it('prints the outputs, masks sensitive ones, and saves them with --save', async () => {
    await standUp();
    await rm(join(work, 'healthpredict.config.json'));
    const printed = await healthpredict(['infra', 'output', '--dir', iac]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(DOUBLE_OUTPUTS.instance_public_dns.value);
    expect(printed.stdout).not.toContain(DOUBLE_OUTPUTS.admin_token.value);
    expect(existsSync(join(work, 'healthpredict.config.json'))).toBe(false);

    const saved = await healthpredict(['infra', 'output', '--dir', iac, '--save', '--json']);
    expect(saved.code, saved.stderr).toBe(0);
    expect(await readConfig()).toEqual(EXPECTED_CONFIG);
  });
});
