import { ExternalError } from '../errors/index.js';

/** One output as `terraform output -json` prints it. */
export interface TerraformOutput {
  sensitive: boolean;
  type: unknown;
  value: unknown;
}

export type TerraformOutputs = Record<string, TerraformOutput>;

/** The outputs of `iac/outputs.tf` that the CLI relies on. */
export const REQUIRED_OUTPUTS = [
  'region',
  'bucket',
  'ecr_repository_uri',
  'instance_public_ip',
  'instance_public_dns',
  'instance_role',
] as const;

/** The configuration keys `infra up` saves, and the prefix of the store inside the bucket. */
export const STORE_PREFIX = 'healthpredict';

export interface StackConfigValues {
  store: string;
  registry: string;
  awsRegion: string;
}

/** Parses `terraform output -json`: an object of `{sensitive, type, value}` per output. */
export function parseTerraformOutputs(text: string): TerraformOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch (error) {
    throw new ExternalError(
      'terraform',
      `\`terraform output -json\` printed no JSON: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ExternalError('terraform', '`terraform output -json` printed something other than an object');
  }
  for (const [name, output] of Object.entries(parsed)) {
    if (typeof output !== 'object' || output === null || !('value' in output)) {
      throw new ExternalError('terraform', `output "${name}" has no value in \`terraform output -json\``);
    }
  }
  return parsed as TerraformOutputs;
}

/** The plain values, with sensitive ones masked. */
export function outputValues(outputs: TerraformOutputs): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, output]) => [name, output.sensitive ? '(sensitive)' : output.value]),
  );
}

/** What later commands need from the stack: the store in its bucket, the image registry and the region. */
export function configFromOutputs(outputs: TerraformOutputs): StackConfigValues {
  const missing = REQUIRED_OUTPUTS.filter((name) => typeof outputs[name]?.value !== 'string');
  if (missing.length > 0) {
    throw new ExternalError(
      'terraform',
      `the stack has no string output ${missing.map((name) => `"${name}"`).join(', ')}; is the directory healthpredict's iac/?`,
    );
  }
  const text = (name: (typeof REQUIRED_OUTPUTS)[number]): string => outputs[name].value as string;
  return {
    store: `s3://${text('bucket')}/${STORE_PREFIX}`,
    registry: text('ecr_repository_uri'),
    awsRegion: text('region'),
  };
}
