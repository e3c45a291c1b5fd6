import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { EXIT_CODES } from '../../src/core/errors/index.js';
import { PROMOTION_LOG_KEY } from '../../src/core/deploy/record.js';
import { expectJsonError, requireBuild, runCli, type CliResult } from '../cli/helpers.js';
import { FakeKubeApiServer } from './fake-kube-api.js';
import {
  DIGEST_A,
  DIGEST_B,
  registeredVersions,
  removeFixture,
  unknownFields,
  type RegisteredFixture,
} from './helpers.js';

/** A loopback port that nothing listens on: bound, read, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

const GOLDEN = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/deploy');

let fixture: RegisteredFixture;

beforeAll(async () => {
  requireBuild();
  fixture = await registeredVersions(2);
});
afterAll(async () => {
  await removeFixture(fixture);
});

function deploy(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['deploy', '--tracking-uri', fixture.trackingDir, '--store', fixture.storeDir, ...args], {
    cwd: fixture.dir,
    env: { KUBECONFIG: join(fixture.dir, 'no-kubeconfig'), ...env },
  });
}

/** The run ids are made anew by every fixture, so the golden files hold a placeholder for them. */
function withPlaceholders(yaml: string): string {
  return yaml.replaceAll(fixture.runIds['1'], '<RUN_ID_1>').replaceAll(fixture.runIds['2'], '<RUN_ID_2>');
}

async function expectGolden(name: string, actual: string): Promise<void> {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) await writeFile(path, actual);
  expect(actual).toBe(await readFile(path, 'utf8'));
}

const MODELS = { Deployment, Service, HorizontalPodAutoscaler } as const;
const CLIENT_TYPES = {
  Deployment: 'V1Deployment',
  Service: 'V1Service',
  HorizontalPodAutoscaler: 'V2HorizontalPodAutoscaler',
} as const;

/** Each document validated against the Kubernetes OpenAPI schemas, and free of fields its type lacks. */
function expectValidManifests(yaml: string): string[] {
  const kinds: string[] = [];
  for (const document of parseAllDocuments(yaml)) {
    const object = document.toJS() as { kind: keyof typeof MODELS };
    kinds.push(object.kind);
    expect(() => new MODELS[object.kind](object as never).validate(), object.kind).not.toThrow();
    expect(unknownFields(object, CLIENT_TYPES[object.kind]), object.kind).toEqual([]);
  }
  return kinds;
}

describe('deploy --dry-run', () => {
  it('prints the Deployment and Service, valid and pinned by digest, as the golden file holds them', async () => {
    const image = `127.0.0.1:5000/healthpredict@${DIGEST_A}`;
    const result = await deploy(['--dry-run', '--image', image, '--namespace', 'serving']);

    expect(result.code, result.stderr).toBe(0);
    expect(expectValidManifests(result.stdout)).toEqual(['Deployment', 'Service']);
    await expectGolden('dry-run.yaml', withPlaceholders(result.stdout));
  });

  it('adds the autoscaler, the node port and the ECR pull secret, without asking ECR for a token', async () => {
    const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthpredict:1-1a2b3c4';
    const result = await deploy([
      '--dry-run',
      '--model-uri',
      'models:/HealthPredict/1',
      '--image',
      image,
      '--name',
      'readmission',
      '--hpa',
      '--max-replicas',
      '8',
      '--node-port',
      '30080',
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(expectValidManifests(result.stdout)).toEqual(['Deployment', 'Service', 'HorizontalPodAutoscaler']);
    await expectGolden('dry-run-hpa-ecr.yaml', withPlaceholders(result.stdout));
  });

  it('answers one JSON document with the manifests under --json', async () => {
    const result = await deploy([
      '--dry-run',
      '--image',
      `127.0.0.1:5000/healthpredict@${DIGEST_A}`,
      '--json',
    ]);

    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({
      status: 'dry-run',
      model: { name: 'HealthPredict', version: '2', runId: fixture.runIds['2'] },
      image: { digest: DIGEST_A, pinned: true },
      recorded: false,
    });
    expect(document.manifests.map((m: { kind: string }) => m.kind)).toEqual(['Deployment', 'Service']);
  });
});

describe('deploy against a test double of the Kubernetes API server, through the CLI', () => {
  let fake: FakeKubeApiServer;
  let kubeconfig: string;

  beforeAll(async () => {
    fake = new FakeKubeApiServer({ neverReady: new Set([`127.0.0.1:5000/healthpredict@${DIGEST_B}`]) });
    await fake.start();
    kubeconfig = join(fixture.dir, 'kubeconfig.json');
    await fake.writeKubeconfig(kubeconfig);
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('ends with one JSON document naming the deployed version and the replica counts', async () => {
    const image = `127.0.0.1:5000/healthpredict@${DIGEST_A}`;
    const result = await deploy(['--image', image, '--poll-interval', '0.02', '--json'], {
      KUBECONFIG: kubeconfig,
    });

    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({
      status: 'deployed',
      model: { name: 'HealthPredict', version: '2' },
      image: { reference: image, digest: DIGEST_A, pinned: true },
      context: 'fake',
      namespace: 'default',
      rollout: { desiredReplicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2 },
      recorded: true,
    });
    expect(existsSync(join(fixture.storeDir, PROMOTION_LOG_KEY))).toBe(true);
  });

  it(`exits ${EXIT_CODES.rolledBack} with the rolled-back result when the rollout never becomes ready`, async () => {
    const image = `127.0.0.1:5000/healthpredict@${DIGEST_B}`;
    const before = await readFile(join(fixture.storeDir, PROMOTION_LOG_KEY), 'utf8');
    const result = await deploy(['--image', image, '--timeout', '1', '--poll-interval', '0.02', '--json'], {
      KUBECONFIG: kubeconfig,
    });

    expect(result.code, result.stderr).toBe(EXIT_CODES.rolledBack);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({
      status: 'rolled-back',
      failure: { reason: 'rollout-timeout' },
      rollback: { action: 'restored', complete: true, image: `127.0.0.1:5000/healthpredict@${DIGEST_A}` },
      recorded: false,
    });
    expect(await readFile(join(fixture.storeDir, PROMOTION_LOG_KEY), 'utf8')).toBe(before);
  });

  it(`says so on one line and exits ${EXIT_CODES.rolledBack} without --json`, async () => {
    const image = `127.0.0.1:5000/healthpredict@${DIGEST_B}`;
    const result = await deploy(['--image', image, '--timeout', '1', '--poll-interval', '0.02'], {
      KUBECONFIG: kubeconfig,
      HEALTHPREDICT_QUIET: '1',
    });

    expect(result.code).toBe(EXIT_CODES.rolledBack);
    expect(result.stderr.trim()).toMatch(
      /^Error: deploy of HealthPredict version 2 to default\/healthpredict in context fake failed: the rollout was not complete within 1 s .*; rolled back: restored revision \d+ \(version 2\); nothing was recorded$/,
    );
  });

  it(`exits ${EXIT_CODES.external} with a clear error when no cluster answers`, async () => {
    const nobody = new FakeKubeApiServer();
    nobody.url = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = join(fixture.dir, 'unreachable-kubeconfig.json');
    await nobody.writeKubeconfig(unreachable);
    const before = await readFile(join(fixture.storeDir, PROMOTION_LOG_KEY), 'utf8');

    const result = await deploy(['--image', `127.0.0.1:5000/healthpredict@${DIGEST_A}`, '--json'], {
      KUBECONFIG: unreachable,
    });

    const error = expectJsonError(result, EXIT_CODES.external);
    expect(error.message).toBe(
      `the Kubernetes API server ${nobody.url} (context "fake") did not answer to GET /version: ` +
        `request to ${nobody.url}/version failed, reason: connect ECONNREFUSED ${nobody.url.slice(7)}`,
    );
    expect(await readFile(join(fixture.storeDir, PROMOTION_LOG_KEY), 'utf8')).toBe(before);
    expect(error.fix).toContain('KUBECONFIG');
  });
});
