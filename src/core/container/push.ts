import type { ECRClient } from '@aws-sdk/client-ecr';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';
import { debugFor } from '../util/log.js';
import { ecrLogin, ensureEcrRepository, openEcr, type RegistryCredentials } from './ecr.js';
import { followEngineStream, type Engine } from './engine.js';
import { ecrRegistryOf, formatImageRef, parseImageRef, repositoryOf, type ImageRef } from './image-ref.js';

const log = debugFor('push');

export interface PushOptions {
  engine: Engine;
  /** The local image to push: `repository:tag` or an image id. */
  image: string;
  /** Where to push: `host[:port]/repository` or an ECR repository URI; empty keeps the image's own repository. */
  registry: string;
  /** Tags to push; default the image's own tag. */
  tags?: string[];
  /** ECR: create the repository when it does not exist. */
  createRepository?: boolean;
  /** ECR: the region when the registry host does not say it; the SDK's own chain otherwise. */
  awsRegion?: string;
  /** A client for tests; otherwise one is opened for the registry's region. */
  ecr?: ECRClient;
  /** Credentials of a registry other than ECR (user and password, such as from the environment). */
  credentials?: Pick<RegistryCredentials, 'username' | 'password'>;
  /** Each line of the engine's log. */
  onLog?: (line: string) => void;
}

export interface PushResult {
  /** The pushed image, pinned: `repository@sha256:…`. */
  reference: string;
  repository: string;
  registry: string;
  tags: string[];
  digest: string;
  /** The manifest size the registry reported. */
  sizeBytes?: number;
  ecr?: { accountId: string; region: string; repository: 'exists' | 'created'; tokenExpiresAt?: string };
}

/**
 * Pushes a local image to a registry: tags it into the target repository, logs in (a fresh ECR token from
 * GetAuthorizationToken, creating the repository on request; else the credentials given, or none), pushes each
 * tag, and returns the digest the registry answered.
 */
export async function pushImage(options: PushOptions): Promise<PushResult> {
  const { docker } = options.engine;
  const local = await docker
    .getImage(options.image)
    .inspect()
    .catch(() => {
      throw new UserError(
        `the engine at ${options.engine.where} has no image "${options.image}"`,
        'build it first with `healthpredict build`, or give the reference it printed',
        EXIT_CODES.notFound,
      );
    });
  const source = parseImageRef(options.image);
  const target: ImageRef = options.registry ? parseImageRef(options.registry) : { ...source, tag: undefined };
  if (!target.registry) {
    throw new UserError(
      `"${repositoryOf(target)}" names no registry host to push to`,
      'pass --registry host[:port]/repository (or set registry in the configuration)',
    );
  }
  const tags = options.tags?.length ? options.tags : source.tag ? [source.tag] : [];
  if (tags.length === 0) {
    throw new UserError(`"${options.image}" has no tag to push`, 'give the image as repository:tag');
  }
  // Every tag is checked before the first is pushed, so that a bad one pushes nothing.
  for (const tag of tags) parseImageRef(`${source.repository}:${tag}`);

  const ecrRegistry = ecrRegistryOf(target);
  let credentials: RegistryCredentials | undefined;
  let ecr: PushResult['ecr'];
  if (ecrRegistry) {
    const client = options.ecr ?? openEcr(ecrRegistry.region || options.awsRegion || '');
    credentials = await ecrLogin(client, ecrRegistry);
    const repository = await ensureEcrRepository(
      client,
      ecrRegistry,
      target.repository,
      options.createRepository ?? false,
    );
    ecr = { ...ecrRegistry, repository, tokenExpiresAt: credentials.expiresAt?.toISOString() };
  } else if (options.credentials) {
    credentials = { ...options.credentials, serverAddress: target.registry };
  }

  const repository = repositoryOf(target);
  let digest: string | undefined;
  let sizeBytes: number | undefined;
  for (const tag of tags) {
    await docker.getImage(local.Id).tag({ repo: repository, tag });
    const stream = await docker.getImage(`${repository}:${tag}`).push({
      tag,
      authconfig: credentials
        ? {
            username: credentials.username,
            password: credentials.password,
            serveraddress: credentials.serverAddress,
          }
        : {},
    });
    const events = await followEngineStream(stream, docker, `pushing ${repository}:${tag}`, (event) => {
      const line = [event.id, event.status].filter(Boolean).join(': ');
      if (line && !event.progress) options.onLog?.(line);
    });
    const aux = events.find((event) => event.aux?.Digest)?.aux;
    digest ??= aux?.Digest;
    sizeBytes ??= aux?.Size;
    log('pushed %s:%s (%s)', repository, tag, aux?.Digest);
  }
  if (!digest) {
    throw new ExternalError('docker', `the push of ${repository} answered no digest`);
  }
  return {
    reference: formatImageRef({ ...target, tag: undefined, digest }),
    repository,
    registry: target.registry,
    tags: tags.map((tag) => `${repository}:${tag}`),
    digest,
    sizeBytes,
    ecr,
  };
}

/** Basic credentials for a registry other than ECR, from HEALTHPREDICT_REGISTRY_USERNAME and _PASSWORD. */
export function registryCredentialsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<RegistryCredentials, 'username' | 'password'> | undefined {
  const username = env.HEALTHPREDICT_REGISTRY_USERNAME;
  const password = env.HEALTHPREDICT_REGISTRY_PASSWORD;
  return username && password ? { username, password } : undefined;
}
