import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A test double of the `terraform` binary, installed as `<dir>/terraform` for a PATH of its own. It keeps a
 * pretend state (a list of resource addresses) in a file, records every call (arguments, working directory and
 * the saved variables at that moment) as JSON lines, prints what Terraform would, and answers `output -json`
 * in Terraform's own shape. TERRAFORM_DOUBLE_FAIL=<command> makes that command fail part-way, as a real apply
 * or destroy does: it leaves part of the resources in the state.
 */
export const TERRAFORM_DOUBLE = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
const env = process.env;
const stateFile = env.TERRAFORM_DOUBLE_STATE;
const readState = () => (fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : null);
const writeState = (resources) => fs.writeFileSync(stateFile, JSON.stringify(resources));
const variablesFile = path.join(process.cwd(), 'healthpredict.auto.tfvars.json');
fs.appendFileSync(
  env.TERRAFORM_DOUBLE_LOG,
  JSON.stringify({
    args,
    cwd: process.cwd(),
    variables: fs.existsSync(variablesFile) ? JSON.parse(fs.readFileSync(variablesFile, 'utf8')) : null,
  }) + '\n',
);
const fail = (message) => {
  process.stderr.write('\n╷\n│ Error: ' + message + '\n│\n│ (from the terraform test double)\n╵\n');
  process.exit(1);
};
const resources = JSON.parse(env.TERRAFORM_DOUBLE_RESOURCES);
const command = args[0] === 'state' ? 'state ' + args[1] : args[0];
const failing = env.TERRAFORM_DOUBLE_FAIL === command;

switch (command) {
  case 'version':
    process.stdout.write(JSON.stringify({ terraform_version: '1.9.8', platform: 'linux_amd64' }) + '\n');
    break;
  case 'init':
    process.stdout.write('Initializing the backend...\nTerraform has been successfully initialized!\n');
    break;
  case 'plan': {
    const out = args.find((arg) => arg.startsWith('-out='));
    if (out) fs.writeFileSync(out.slice(5), 'plan of the test double');
    process.stdout.write('Plan: ' + resources.length + ' to add, 0 to change, 0 to destroy.\n');
    break;
  }
  case 'apply':
    if (!fs.existsSync(args[args.length - 1])) fail('the saved plan ' + args[args.length - 1] + ' does not exist');
    if (failing) {
      writeState(resources.slice(0, 2));
      fail('creating EC2 Instance: InsufficientInstanceCapacity');
    }
    writeState(resources);
    process.stdout.write('Apply complete! Resources: ' + resources.length + ' added, 0 changed, 0 destroyed.\n');
    break;
  case 'output':
    process.stdout.write((readState() ?? []).length > 0 ? env.TERRAFORM_DOUBLE_OUTPUTS : '{}\n');
    break;
  case 'state list': {
    const state = readState();
    if (state === null) {
      process.stderr.write('No state file was found!\n');
      process.exit(1);
    }
    process.stdout.write(state.map((address) => address + '\n').join(''));
    break;
  }
  case 'destroy':
    if (failing) {
      writeState(readState().filter((address) => /aws_instance|aws_s3_bucket\./.test(address)));
      fail('deleting S3 Bucket: BucketNotEmpty');
    }
    writeState([]);
    process.stdout.write('Destroy complete! Resources: destroyed.\n');
    break;
  default:
    fail('the test double does not know ' + args.join(' '));
}
`;

/** Resources the double's apply "creates", in Terraform's address form, billed and free ones alike. */
export const DOUBLE_RESOURCES = [
  'aws_s3_bucket.artifacts',
  'aws_vpc.main',
  'aws_instance.host',
  'aws_ecr_repository.serving',
  'aws_iam_role.instance',
];

/** `terraform output -json` of the double, in Terraform's shape; values as the real stack would make them. */
export const DOUBLE_OUTPUTS = {
  region: { sensitive: false, type: 'string', value: 'eu-west-1' },
  bucket: { sensitive: false, type: 'string', value: 'hpdouble-123456789012-eu-west-1' },
  ecr_repository_uri: {
    sensitive: false,
    type: 'string',
    value: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hpdouble',
  },
  instance_public_ip: { sensitive: false, type: 'string', value: '198.51.100.20' },
  instance_public_dns: {
    sensitive: false,
    type: 'string',
    value: 'ec2-198-51-100-20.eu-west-1.compute.amazonaws.com',
  },
  instance_role: { sensitive: false, type: 'string', value: 'hpdouble-instance' },
  operator_ports: { sensitive: false, type: ['map', 'number'], value: { ssh: 22, airflow: 8080 } },
  admin_token: { sensitive: true, type: 'string', value: 'do-not-print-me' },
};

export interface TerraformDouble {
  /** The directory holding `terraform`, for PATH. */
  bin: string;
  log: string;
  state: string;
  env: Record<string, string>;
}

export async function installTerraformDouble(dir: string): Promise<TerraformDouble> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const script = join(bin, 'terraform');
  await writeFile(script, `#!${process.execPath}\n${TERRAFORM_DOUBLE}`);
  await chmod(script, 0o755);
  const log = join(dir, 'terraform-calls.jsonl');
  const state = join(dir, 'terraform-state.json');
  return {
    bin,
    log,
    state,
    env: {
      TERRAFORM_DOUBLE_LOG: log,
      TERRAFORM_DOUBLE_STATE: state,
      TERRAFORM_DOUBLE_RESOURCES: JSON.stringify(DOUBLE_RESOURCES),
      TERRAFORM_DOUBLE_OUTPUTS: `${JSON.stringify(DOUBLE_OUTPUTS, null, 2)}\n`,
    },
  };
}
