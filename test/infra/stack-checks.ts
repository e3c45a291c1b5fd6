import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { getReferencesInExpression, parse } from '@cdktf/hcl2json';

/** One block as @cdktf/hcl2json gives it: attributes, with nested blocks as arrays of objects. */
type Block = Record<string, unknown>;

/** The Terraform files of a directory, parsed and merged: `resource.<type>.<name>`, `variable.<name>`… */
export interface Stack {
  files: Record<string, string>;
  variables: Record<string, Block>;
  outputs: Record<string, Block>;
  resources: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  locals: Record<string, unknown>;
}

export async function loadStack(dir: string): Promise<Stack> {
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.tf') || name.endsWith('.tftpl'))
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  );
  return parseStack(files);
}

export async function parseStack(files: Record<string, string>): Promise<Stack> {
  const stack: Stack = { files, variables: {}, outputs: {}, resources: {}, data: {}, locals: {} };
  for (const [name, text] of Object.entries(files)) {
    if (!name.endsWith('.tf')) continue;
    const json = (await parse(name, text)) as Record<string, any>;
    for (const [key, blocks] of Object.entries(json.variable ?? {}))
      stack.variables[key] = (blocks as Block[])[0];
    for (const [key, blocks] of Object.entries(json.output ?? {}))
      stack.outputs[key] = (blocks as Block[])[0];
    for (const [kind, target] of [
      ['resource', stack.resources],
      ['data', stack.data],
    ] as const) {
      for (const [type, named] of Object.entries(json[kind] ?? {})) {
        for (const [key, blocks] of Object.entries(named as Record<string, Block[]>)) {
          target[type] = { ...target[type], [key]: blocks[0] };
        }
      }
    }
    for (const locals of (json.locals ?? []) as Block[]) Object.assign(stack.locals, locals);
  }
  return stack;
}

/** Every `var.NAME` in the Terraform files (the template file receives its values through templatefile). */
export function variableUses(stack: Stack): Set<string> {
  const text = Object.entries(stack.files)
    .filter(([name]) => name.endsWith('.tf'))
    .map(([, content]) => content)
    .join('\n');
  return new Set([...text.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]));
}

export interface OutputReference {
  output: string;
  reference: string;
  exists: boolean;
}

/** The references of each output's value, and whether the resource, data source, variable or local exists. */
export async function outputReferences(stack: Stack): Promise<OutputReference[]> {
  const found: OutputReference[] = [];
  for (const [output, block] of Object.entries(stack.outputs)) {
    const expression = String(block.value);
    for (const { value } of await getReferencesInExpression('outputs.tf', expression)) {
      found.push({ output, reference: value, exists: referenceExists(stack, value) });
    }
  }
  return found;
}

function referenceExists(stack: Stack, reference: string): boolean {
  const [head, second, third] = reference.replace(/\[[^\]]*\]/g, '').split('.');
  if (head === 'var') return second in stack.variables;
  if (head === 'local') return second in stack.locals;
  if (head === 'data') return third !== undefined && third in (stack.data[second] ?? {});
  if (head === 'path') return true;
  return second !== undefined && second in (stack.resources[head] ?? {});
}

/** Every way in through a security group that admits more than `var.operator_cidr`, described. */
export function ingressViolations(stack: Stack): string[] {
  const operator = '${var.operator_cidr}';
  const violations: string[] = [];
  for (const [name, rule] of Object.entries(stack.resources.aws_vpc_security_group_ingress_rule ?? {})) {
    if (rule.cidr_ipv4 !== operator) violations.push(`ingress rule ${name} admits ${String(rule.cidr_ipv4)}`);
    for (const other of ['cidr_ipv6', 'prefix_list_id', 'referenced_security_group_id']) {
      if (other in rule) violations.push(`ingress rule ${name} admits ${other}`);
    }
  }
  for (const [name, rule] of Object.entries(stack.resources.aws_security_group_rule ?? {})) {
    if (rule.type === 'ingress') violations.push(`aws_security_group_rule ${name}: ${JSON.stringify(rule)}`);
  }
  for (const [name, group] of Object.entries(stack.resources.aws_security_group ?? {})) {
    for (const ingress of (group.ingress ?? []) as Block[]) {
      const cidrs = (ingress.cidr_blocks ?? []) as string[];
      const others = ['ipv6_cidr_blocks', 'prefix_list_ids', 'security_groups'].filter(
        (key) => key in ingress,
      );
      if (cidrs.length !== 1 || cidrs[0] !== operator || others.length > 0) {
        violations.push(`security group ${name} has an inline ingress ${JSON.stringify(ingress)}`);
      }
    }
  }
  return violations;
}

/** The public access settings of each bucket that are not all blocked; a bucket without a block counts. */
export function publicBuckets(stack: Stack): string[] {
  const settings = [
    'block_public_acls',
    'block_public_policy',
    'ignore_public_acls',
    'restrict_public_buckets',
  ];
  const blocks = Object.values(stack.resources.aws_s3_bucket_public_access_block ?? {});
  return Object.keys(stack.resources.aws_s3_bucket ?? {}).filter((bucket) => {
    const block = blocks.find((candidate) => candidate.bucket === `\${aws_s3_bucket.${bucket}.id}`);
    return !block || !settings.every((setting) => block[setting] === true);
  });
}

/** The instances that still answer IMDSv1 (metadata_options.http_tokens other than "required"). */
export function imdsV1Instances(stack: Stack): string[] {
  return Object.entries(stack.resources.aws_instance ?? {})
    .filter(([, instance]) => {
      const options = ((instance.metadata_options ?? []) as Block[])[0];
      return options?.http_tokens !== 'required';
    })
    .map(([name]) => name);
}
