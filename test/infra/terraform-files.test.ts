import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_REGION } from '../../src/core/infra/variables.js';
import { infraSection, tableRows } from '../templates/infra-docs.js';

import {
  imdsV1Instances,
  ingressViolations,
  loadStack,
  outputReferences,
  parseStack,
  publicBuckets,
  variableUses,
  type Stack,
} from './stack-checks.js';

const IAC = resolve(import.meta.dirname, '../../iac');

/** The variables and outputs the stack promises operators (the infra section of the README). */
const PROMISED_VARIABLES = ['region', 'instance_type', 'operator_cidr', 'key_name', 'name_prefix'];
const PROMISED_OUTPUTS = [
  'instance_public_ip',
  'instance_public_dns',
  'bucket',
  'ecr_repository_uri',
  'instance_role',
  'region',
];

describe('iac/', async () => {
  const stack = await loadStack(IAC);

  it('parses, and has the resources of the stack', () => {
    expect(Object.keys(stack.files).length).toBeGreaterThanOrEqual(6);
    for (const type of [
      'aws_vpc',
      'aws_subnet',
      'aws_internet_gateway',
      'aws_route_table',
      'aws_route_table_association',
      'aws_security_group',
      'aws_iam_role',
      'aws_iam_instance_profile',
      'aws_instance',
      'aws_s3_bucket',
      'aws_s3_bucket_versioning',
      'aws_s3_bucket_server_side_encryption_configuration',
      'aws_s3_bucket_public_access_block',
      'aws_ecr_repository',
    ]) {
      expect(Object.keys(stack.resources[type] ?? {}), type).not.toHaveLength(0);
    }
  });

  it('declares every variable it uses and uses every variable it declares', () => {
    const declared = Object.keys(stack.variables).sort();
    const used = [...variableUses(stack)].sort();
    expect(used).toEqual(declared);
    expect(declared).toEqual(expect.arrayContaining(PROMISED_VARIABLES));
  });

  it('has the region default that infra up saves for a new stack', () => {
    expect(stack.variables.region.default).toBe(DEFAULT_REGION);
  });

  it('has no default for the operator CIDR, so that nobody gets an open host by accident', () => {
    expect(stack.variables.operator_cidr).not.toHaveProperty('default');
    expect(stack.variables.operator_cidr.validation).toBeDefined();
  });

  it('gives every output from something that exists', async () => {
    expect(Object.keys(stack.outputs)).toEqual(expect.arrayContaining(PROMISED_OUTPUTS));
    const references = await outputReferences(stack);
    expect(references.filter((r) => !r.exists)).toEqual([]);
    // Each output refers to at least one thing: a literal output would say nothing about the stack.
    const referring = new Set(references.map((r) => r.output));
    expect(Object.keys(stack.outputs).filter((output) => !referring.has(output))).toEqual([]);
  });

  it('lets in the operator CIDR alone', () => {
    expect(ingressViolations(stack)).toEqual([]);
    expect(Object.keys(stack.resources.aws_vpc_security_group_ingress_rule ?? {})).not.toHaveLength(0);
  });

  it('opens the ports the README documents, each to the operator', () => {
    const ports = stack.locals.operator_ports as Record<string, number | string>;
    const resolved = Object.values(ports).map((port) =>
      typeof port === 'number'
        ? port
        : Number(stack.variables[/^\$\{var\.(\w+)\}$/.exec(port)?.[1] ?? ''].default),
    );
    const documented = tableRows(infraSection().text, '| port | service |');
    expect(documented.every((row) => row[3] === 'yes')).toBe(true);
    expect(resolved.sort((a, b) => a - b)).toEqual(documented.map((row) => Number(row[0])));
    const rule = Object.values(stack.resources.aws_vpc_security_group_ingress_rule)[0];
    expect(rule.for_each).toBe('${local.operator_ports}');
    expect([rule.from_port, rule.to_port]).toEqual(['${each.value}', '${each.value}']);
  });

  it('blocks public access to every bucket, which is versioned and encrypted', () => {
    expect(publicBuckets(stack)).toEqual([]);
    const bucketId = '${aws_s3_bucket.artifacts.id}';
    const versioning = Object.values(stack.resources.aws_s3_bucket_versioning)[0];
    expect(versioning.bucket).toBe(bucketId);
    expect(versioning.versioning_configuration).toEqual([{ status: 'Enabled' }]);
    expect(Object.values(stack.resources.aws_s3_bucket_server_side_encryption_configuration)[0].bucket).toBe(
      bucketId,
    );
  });

  it('requires IMDSv2 on the instance', () => {
    expect(imdsV1Instances(stack)).toEqual([]);
  });

  it('scans images on push', () => {
    const repository = Object.values(stack.resources.aws_ecr_repository)[0];
    expect(repository.image_scanning_configuration).toEqual([{ scan_on_push: true }]);
  });

  it('hard-codes no account, bucket name, address or key name', () => {
    for (const [name, text] of Object.entries(stack.files)) {
      expect(text.match(/\b\d{12}\b/g), `${name}: an account id`).toBeNull();
    }
    // Addresses in what Terraform creates (descriptions and validation messages aside): only "anywhere", for
    // outbound traffic and the default route.
    const created = JSON.stringify([stack.resources, stack.data, stack.locals, stack.outputs]);
    const addresses = [...created.matchAll(/\b\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?\b/g)].map((m) => m[0]);
    expect(new Set(addresses)).toEqual(new Set(['0.0.0.0/0']));
    const defaults = Object.entries(stack.variables).filter(([, v]) =>
      /\d+\.\d+\.\d+\.\d+/.test(String(v.default)),
    );
    expect(defaults.map(([variable]) => variable)).toEqual(['vpc_cidr']);

    const bucket = Object.values(stack.resources.aws_s3_bucket)[0];
    expect(bucket.bucket).toMatch(
      /\$\{var\.name_prefix\}.*\$\{data\.aws_caller_identity\.current\.account_id\}/,
    );
    expect(Object.values(stack.resources.aws_instance)[0].key_name).toBe('${var.key_name}');
    expect(stack.variables.key_name.default).toBeNull();
  });

  it('passes the user data template every value it uses, and nothing more', () => {
    const template = stack.files['user-data.sh.tftpl'];
    const used = new Set([...template.matchAll(/\$\{([a-z_]+)\}/g)].map((m) => m[1]));
    const call = String(Object.values(stack.resources.aws_instance)[0].user_data);
    const passed = new Set([...call.matchAll(/^\s*([a-z_]+)\s*=/gm)].map((m) => m[1]));
    expect([...used].sort()).toEqual([...passed].sort());
  });
});

/** The checks above must fail on a stack that breaks them; each case breaks one rule. */
describe('the stack checks catch', () => {
  const broken = (text: string): Promise<Stack> => parseStack({ 'main.tf': text });

  it('an ingress rule open to the world, a second CIDR, or an inline ingress', async () => {
    const stack = await broken(`
      resource "aws_vpc_security_group_ingress_rule" "ssh" { cidr_ipv4 = "0.0.0.0/0" }
      resource "aws_vpc_security_group_ingress_rule" "v6" {
        cidr_ipv4 = var.operator_cidr
        cidr_ipv6 = "::/0"
      }
      resource "aws_security_group" "old" {
        ingress {
          cidr_blocks = [var.operator_cidr, "10.0.0.0/8"]
        }
      }`);
    expect(ingressViolations(stack)).toHaveLength(3);
  });

  it('a bucket with one public access setting left open, or no block at all', async () => {
    const stack = await broken(`
      resource "aws_s3_bucket" "a" {}
      resource "aws_s3_bucket" "b" {}
      resource "aws_s3_bucket_public_access_block" "a" {
        bucket                  = aws_s3_bucket.a.id
        block_public_acls       = true
        block_public_policy     = true
        ignore_public_acls      = true
        restrict_public_buckets = false
      }`);
    expect(publicBuckets(stack)).toEqual(['a', 'b']);
  });

  it('an instance with optional tokens or no metadata options', async () => {
    const stack = await broken(`
      resource "aws_instance" "a" {
        metadata_options {
          http_tokens = "optional"
        }
      }
      resource "aws_instance" "b" {}`);
    expect(imdsV1Instances(stack)).toEqual(['a', 'b']);
  });

  it('an output naming a resource that does not exist, and an unused variable', async () => {
    const stack = await broken(`
      variable "unused" {}
      resource "aws_s3_bucket" "a" {}
      output "ok" { value = aws_s3_bucket.a.bucket }
      output "gone" { value = aws_s3_bucket.missing.bucket }`);
    const references = await outputReferences(stack);
    expect(references.filter((r) => !r.exists).map((r) => r.output)).toEqual(['gone']);
    expect([...variableUses(stack)]).toEqual([]);
  });
});
