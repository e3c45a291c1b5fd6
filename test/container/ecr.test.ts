import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';

import { ecrLogin, ensureEcrRepository } from '../../src/core/container/ecr.js';
import { EXIT_CODES, ExternalError, UserError } from '../../src/core/errors/index.js';

/** A test double of the ECR client: every command answers what the test sets, and no request leaves. */
const ecr = mockClient(ECRClient);
const client = ecr as unknown as ECRClient;
const registry = { accountId: '123456789012', region: 'eu-west-1' };
const NOW = new Date('2026-01-15T08:00:00Z');

afterEach(() => ecr.reset());

function token(user: string, password: string, expiresAt: Date) {
  return {
    authorizationData: [
      {
        authorizationToken: Buffer.from(`${user}:${password}`).toString('base64'),
        expiresAt,
        proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      },
    ],
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

describe('ecrLogin', () => {
  it('decodes the token GetAuthorizationToken gives for the registry account', async () => {
    // ECR tokens last 12 hours from issue.
    const expiresAt = new Date(NOW.getTime() + 12 * 3600_000);
    ecr
      .on(GetAuthorizationTokenCommand, { registryIds: ['123456789012'] })
      .resolves(token('AWS', 'p4ss:word', expiresAt));

    const credentials = await ecrLogin(client, registry, NOW);

    expect(credentials).toEqual({
      username: 'AWS',
      password: 'p4ss:word',
      serverAddress: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      expiresAt,
    });
  });

  it('refuses a token that has expired, or expires within five minutes', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves(token('AWS', 'secret', new Date(NOW.getTime() - 1000)));
    const expired = await failure(ecrLogin(client, registry, NOW));
    expect(expired).toBeInstanceOf(UserError);
    expect(expired.message).toBe(
      'the ECR token for account 123456789012 in eu-west-1 expired at 2026-01-15T07:59:59.000Z (or expires within 5 minutes)',
    );
    expect((expired as UserError).exitCode).toBe(EXIT_CODES.external);
    expect(expired.message).not.toContain('secret');

    ecr
      .on(GetAuthorizationTokenCommand)
      .resolves(token('AWS', 'secret', new Date(NOW.getTime() + 4 * 60_000)));
    await expect(ecrLogin(client, registry, NOW)).rejects.toThrow(/expires within 5 minutes/);
  });

  it('says what to check when ECR refuses the credentials', async () => {
    ecr.on(GetAuthorizationTokenCommand).rejects(
      Object.assign(
        new Error(
          'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:GetAuthorizationToken',
        ),
        {
          name: 'AccessDeniedException',
        },
      ),
    );

    const refused = (await failure(ecrLogin(client, registry, NOW))) as UserError;

    expect(refused).toBeInstanceOf(UserError);
    expect(refused.exitCode).toBe(EXIT_CODES.external);
    expect(refused.message).toBe(
      'ECR refused the request for account 123456789012 in eu-west-1: AccessDeniedException: ' +
        'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:GetAuthorizationToken',
    );
    expect(refused.fix).toMatch(/ecr:GetAuthorizationToken/);
  });

  it('refuses an answer with no token or one that is not base64 of user:password', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [] });
    expect(await failure(ecrLogin(client, registry, NOW))).toBeInstanceOf(ExternalError);

    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: Buffer.from('no-separator').toString('base64') }],
    });
    await expect(ecrLogin(client, registry, NOW)).rejects.toThrow(/is not base64 of user:password/);
  });
});

describe('ensureEcrRepository', () => {
  const notFound = new RepositoryNotFoundException({ message: 'not found', $metadata: {} });

  it('leaves an existing repository alone', async () => {
    ecr.on(DescribeRepositoriesCommand).resolves({ repositories: [{ repositoryName: 'healthpredict' }] });
    expect(await ensureEcrRepository(client, registry, 'healthpredict', true)).toBe('exists');
    expect(ecr.commandCalls(CreateRepositoryCommand)).toHaveLength(0);
  });

  it('creates a missing one with scan on push when asked, and says how otherwise', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound);
    ecr.on(CreateRepositoryCommand).resolves({});

    expect(await ensureEcrRepository(client, registry, 'healthpredict', true)).toBe('created');
    expect(ecr.commandCalls(CreateRepositoryCommand)[0].args[0].input).toEqual({
      registryId: '123456789012',
      repositoryName: 'healthpredict',
      imageScanningConfiguration: { scanOnPush: true },
    });

    const missing = (await failure(
      ensureEcrRepository(client, registry, 'healthpredict', false),
    )) as UserError;
    expect(missing.exitCode).toBe(EXIT_CODES.notFound);
    expect(missing.fix).toContain('--create-repository');
  });
});
