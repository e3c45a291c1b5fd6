import { createServer } from 'node:net';
import { join } from 'node:path';

import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { deployModel, type DeployOptions } from '../../src/core/deploy/deploy.js';
import { servingManifests } from '../../src/core/deploy/manifests.js';
import { PROMOTION_LOG_KEY, readPromotionLog } from '../../src/core/deploy/record.js';
import { EXIT_CODES, UserError } from '../../src/core/errors/index.js';
import { FakeKubeApiServer, type FakeKubeOptions, type KubeObject } from './fake-kube-api.js';
import { DIGEST_A, DIGEST_B, registeredVersions, removeFixture, type RegisteredFixture } from './helpers.js';

const REPOSITORY = '127.0.0.1:5000/healthpredict';
const IMAGE_V1 = `${REPOSITORY}@${DIGEST_A}`;
const IMAGE_V2 = `${REPOSITORY}@${DIGEST_B}`;

let fixture: RegisteredFixture;
let fake: FakeKubeApiServer | undefined;
let kubeconfig: string;

beforeEach(async () => {
  fixture = await registeredVersions(2);
  kubeconfig = join(fixture.dir, 'kubeconfig.json');
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await removeFixture(fixture);
});

async function startFake(options: FakeKubeOptions = {}): Promise<FakeKubeApiServer> {
  fake = new FakeKubeApiServer(options);
  await fake.start();
  await fake.writeKubeconfig(kubeconfig, 'serving');
  return fake;
}

function options(overrides: Partial<DeployOptions> = {}): DeployOptions {
  return {
    tracking: fixture.tracking,
    registry: fixture.registry,
    store: fixture.store,
    modelUri: 'models:/HealthPredict@champion',
    image: IMAGE_V2,
    imageRegistry: '',
    name: 'healthpredict',
    namespace: 'serving',
    replicas: 2,
    cluster: { kubeconfig },
    timeoutMs: 3_000,
    pollMs: 20,
    onProgress: () => {},
    ...overrides,
  };
}

/** What an earlier, completed deploy of version 1 left in the cluster. */
function seedVersionOne(server: FakeKubeApiServer): void {
  const { deployment } = servingManifests({
    name: 'healthpredict',
    namespace: 'serving',
    image: IMAGE_V1,
    model: { name: 'HealthPredict', version: '1', runId: fixture.runIds['1'] },
    replicas: 2,
  });
  server.seedDeployment(deployment as KubeObject);
}

async function deployedTags(version: string): Promise<Record<string, string>> {
  const tags = (await fixture.registry.getModelVersion('HealthPredict', version))!.tags;
  return Object.fromEntries(Object.entries(tags).filter(([key]) => key.startsWith('deployed')));
}

describe('deploy against a test double of the Kubernetes API server', () => {
  it('applies, waits for the rollout, verifies /model-info and records the version as deployed', async () => {
    const server = await startFake();
    seedVersionOne(server);

    const result = await deployModel(options());

    expect(result.failure).toBeUndefined();
    expect(result.status).toBe('deployed');
    expect(result.model).toEqual({ name: 'HealthPredict', version: '2', runId: fixture.runIds['2'] });
    expect(result.image).toEqual({ reference: IMAGE_V2, digest: DIGEST_B, pinned: true });
    // The double completes a rollout on its second read; the seeded revision 1 makes this one revision 2.
    expect(result.rollout).toEqual({
      revision: '2',
      desiredReplicas: 2,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    expect(result.verification?.verified).toBe(true);
    expect(result.verification?.answers).toHaveLength(3);

    // Every write was a server-side apply by the field manager healthpredict, forced.
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    expect(server.applied()).toEqual(['Deployment/healthpredict', 'Service/healthpredict']);
    for (const patch of patches) {
      expect(patch.contentType).toBe('application/apply-patch+yaml');
      expect(patch.query.get('fieldManager')).toBe('healthpredict');
      expect(patch.query.get('force')).toBe('true');
    }
    expect(server.deployment('serving', 'healthpredict')?.spec.template.spec.containers[0].image).toBe(
      IMAGE_V2,
    );

    const tags = await deployedTags('2');
    expect(tags).toEqual({
      deployed: 'true',
      deployed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      deployed_image: IMAGE_V2,
      deployed_target: 'fake/serving/healthpredict',
    });
    expect(await deployedTags('1')).toEqual({ deployed: 'false' });
    const log = await readPromotionLog(fixture.store);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      event: 'deployed',
      model: { name: 'HealthPredict', version: '2' },
      image: IMAGE_V2,
      digest: DIGEST_B,
      namespace: 'serving',
      revision: '2',
      replicas: 2,
      previous: { version: '1', image: IMAGE_V1 },
    });
  });

  it('rolls back to the previous revision when the rollout never becomes ready, and records nothing', async () => {
    const server = await startFake({ neverReady: new Set([IMAGE_V2]) });
    seedVersionOne(server);

    const result = await deployModel(options({ timeoutMs: 400 }));

    expect(result.status).toBe('rolled-back');
    expect(result.failure?.reason).toBe('rollout-timeout');
    expect(result.failure?.message).toMatch(/not complete within 0.4 s \(1 of 2 updated, 2 available/);
    // Revision 2 was the failed template; restoring revision 1's template makes it revision 3, as
    // `kubectl rollout undo` does, and the pods of version 1 serve again.
    expect(result.rollback).toEqual({
      action: 'restored',
      revision: '3',
      modelVersion: '1',
      image: IMAGE_V1,
      complete: true,
      message: undefined,
    });
    expect(server.applied()).toEqual([
      'Deployment/healthpredict',
      'Service/healthpredict',
      'Deployment/healthpredict',
    ]);
    expect(server.deployment('serving', 'healthpredict')?.spec.template.spec.containers[0].image).toBe(
      IMAGE_V1,
    );
    expect(result.recorded).toBe(false);
    expect(await deployedTags('2')).toEqual({});
    expect(await fixture.store.exists(PROMOTION_LOG_KEY)).toBe(false);
  });

  it('rolls back when the Service answers another version than the one deployed', async () => {
    // The new pods are ready but their image holds version 1 (a wrong tag pushed as version 2, say).
    const server = await startFake({
      modelInfoFor: () => ({ name: 'HealthPredict', version: '1', run_id: fixture.runIds['1'] }),
    });
    seedVersionOne(server);

    const result = await deployModel(options());

    expect(result.status).toBe('rolled-back');
    expect(result.failure?.reason).toBe('wrong-version');
    expect(result.failure?.message).toContain(
      `answered HealthPredict version 1 (run ${fixture.runIds['1']}), not HealthPredict version 2`,
    );
    expect(result.rollout?.availableReplicas).toBe(2);
    expect(result.rollback?.action).toBe('restored');
    expect(result.rollback?.complete).toBe(true);
    expect(server.deployment('serving', 'healthpredict')?.spec.template.spec.containers[0].image).toBe(
      IMAGE_V1,
    );
    expect(await deployedTags('2')).toEqual({});
    expect(await deployedTags('1')).toEqual({});
    expect(await fixture.store.exists(PROMOTION_LOG_KEY)).toBe(false);
  });

  it('removes what a first deploy created when it never becomes ready', async () => {
    const server = await startFake({ neverReady: new Set([IMAGE_V2]) });

    const result = await deployModel(options({ timeoutMs: 300 }));

    expect(result.status).toBe('rolled-back');
    expect(result.rollback).toMatchObject({ action: 'removed', complete: true });
    expect(server.deployment('serving', 'healthpredict')).toBeUndefined();
    expect(server.objects.has('v1/serving/services/healthpredict')).toBe(false);
    expect(await fixture.store.exists(PROMOTION_LOG_KEY)).toBe(false);
  });

  it('fails with a clear error and records nothing when the cluster does not answer', async () => {
    const port = await closedPort();
    const server = new FakeKubeApiServer();
    server.url = `http://127.0.0.1:${port}`;
    await server.writeKubeconfig(kubeconfig);

    const error = await deployModel(options()).then(
      () => undefined,
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(EXIT_CODES.external);
    expect((error as UserError).message).toContain(
      `the Kubernetes API server http://127.0.0.1:${port} (context "fake") did not answer`,
    );
    expect((error as UserError).fix).toContain('kubectl cluster-info');
    expect(await deployedTags('2')).toEqual({});
    expect(await fixture.store.exists(PROMOTION_LOG_KEY)).toBe(false);
  });

  it('refreshes the image-pull secret from a fresh ECR token before the Deployment, on every deploy', async () => {
    const server = await startFake();
    const ecr = mockClient(ECRClient);
    const tokens = ['first-password', 'second-password'];
    ecr.on(GetAuthorizationTokenCommand).callsFake(() => ({
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${tokens.shift()}`).toString('base64'),
          expiresAt: new Date(Date.now() + 12 * 3600_000),
          proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        },
      ],
    }));
    const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/healthpredict@${DIGEST_B}`;

    for (let round = 0; round < 2; round += 1) {
      const result = await deployModel(options({ image, ecr: ecr as unknown as ECRClient }));
      expect(result.status).toBe('deployed');
      expect(result.pullSecret?.name).toBe('healthpredict-registry');
    }

    expect(server.applied()).toEqual([
      'Secret/healthpredict-registry',
      'Deployment/healthpredict',
      'Service/healthpredict',
      'Secret/healthpredict-registry',
      'Deployment/healthpredict',
      'Service/healthpredict',
    ]);
    const secrets = server.requests.filter(
      (r) => r.method === 'PATCH' && (r.body as KubeObject).kind === 'Secret',
    );
    const passwords = secrets.map((request) => {
      const body = request.body as KubeObject & { type: string; data: Record<string, string> };
      expect(body.type).toBe('kubernetes.io/dockerconfigjson');
      const config = JSON.parse(Buffer.from(body.data['.dockerconfigjson'], 'base64').toString('utf8'));
      const entry = config.auths['123456789012.dkr.ecr.eu-west-1.amazonaws.com'];
      expect(Buffer.from(entry.auth, 'base64').toString('utf8')).toBe(`AWS:${entry.password}`);
      return entry.password;
    });
    expect(passwords).toEqual(['first-password', 'second-password']);
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(2);
    const pod = server.deployment('serving', 'healthpredict')!.spec.template.spec;
    expect(pod.imagePullSecrets).toEqual([{ name: 'healthpredict-registry' }]);
    ecr.restore();
  });
});

/** A loopback port that nothing listens on: bound, read, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
