import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';
import { debugFor } from '../util/log.js';
import type { EcrRegistry } from './image-ref.js';

const log = debugFor('ecr');

/** Registry credentials as the Docker Engine API and a `kubernetes.io/dockerconfigjson` secret take them. */
export interface RegistryCredentials {
  username: string;
  password: string;
  /** `host[:port]`, without a scheme. */
  serverAddress: string;
  /** When the credentials stop working; ECR tokens last 12 hours. */
  expiresAt?: Date;
}

/** Tokens this close to expiry are refused, so that a push or a rollout does not outlive its token. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export function openEcr(region: string): ECRClient {
  return new ECRClient(region ? { region } : {});
}

/**
 * A fresh login to one ECR registry from `GetAuthorizationToken`: the token is base64 of `AWS:<password>`,
 * and is refused here when ECR gives none, when it does not decode, or when it is already expired.
 */
export async function ecrLogin(
  client: ECRClient,
  registry: EcrRegistry,
  now: Date = new Date(),
): Promise<RegistryCredentials> {
  const where = `account ${registry.accountId} in ${registry.region}`;
  let answer;
  try {
    answer = await client.send(new GetAuthorizationTokenCommand({ registryIds: [registry.accountId] }));
  } catch (error) {
    throw refused(error, where);
  }

  const data = answer.authorizationData?.[0];
  if (!data?.authorizationToken) {
    throw new ExternalError('ecr', `GetAuthorizationToken answered no token for ${where}`);
  }
  const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0 || separator === decoded.length - 1) {
    throw new ExternalError('ecr', `the authorization token for ${where} is not base64 of user:password`);
  }
  const expiresAt = data.expiresAt ? new Date(data.expiresAt) : undefined;
  if (expiresAt && expiresAt.getTime() - now.getTime() < EXPIRY_MARGIN_MS) {
    throw new UserError(
      `the ECR token for ${where} expired at ${expiresAt.toISOString()} (or expires within 5 minutes)`,
      "check this machine's clock, then retry: every push and deploy asks ECR for a fresh token",
      EXIT_CODES.external,
    );
  }
  const serverAddress = (
    data.proxyEndpoint ?? `${registry.accountId}.dkr.ecr.${registry.region}.amazonaws.com`
  )
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '');
  log('ECR token for %s valid until %s', serverAddress, expiresAt?.toISOString() ?? 'unknown');
  return {
    username: decoded.slice(0, separator),
    password: decoded.slice(separator + 1),
    serverAddress,
    expiresAt,
  };
}

/** Makes sure the ECR repository exists; creates it (scan on push) when `create` is set. */
export async function ensureEcrRepository(
  client: ECRClient,
  registry: EcrRegistry,
  repository: string,
  create: boolean,
): Promise<'exists' | 'created'> {
  try {
    await client.send(
      new DescribeRepositoriesCommand({ registryId: registry.accountId, repositoryNames: [repository] }),
    );
    return 'exists';
  } catch (error) {
    if ((error as Error).name !== 'RepositoryNotFoundException') {
      throw refused(error, `account ${registry.accountId} in ${registry.region}`);
    }
  }
  if (!create) {
    throw new UserError(
      `the ECR repository "${repository}" does not exist in account ${registry.accountId} (${registry.region})`,
      'pass --create-repository to create it, or create it with Terraform',
      EXIT_CODES.notFound,
    );
  }
  try {
    await client.send(
      new CreateRepositoryCommand({
        registryId: registry.accountId,
        repositoryName: repository,
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'RepositoryAlreadyExistsException') {
      throw refused(error, `account ${registry.accountId} in ${registry.region}`);
    }
  }
  return 'created';
}

function refused(error: unknown, where: string): UserError {
  const name = (error as Error).name ?? 'Error';
  const message = ((error as Error).message ?? String(error)).split('\n')[0];
  return new UserError(
    `ECR refused the request for ${where}: ${name}: ${message}`,
    'give AWS credentials allowed ecr:GetAuthorizationToken (and ecr:DescribeRepositories, ' +
      'ecr:CreateRepository to create one) through AWS_PROFILE or AWS_ACCESS_KEY_ID, and check --aws-region',
    EXIT_CODES.external,
  );
}
