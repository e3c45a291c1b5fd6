import { debugFor } from '../util/log.js';
import type { RegistryCredentials } from './ecr.js';
import type { ImageRef } from './image-ref.js';

const log = debugFor('registry');

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * The digest a registry holds for a tag, from `HEAD /v2/<repository>/manifests/<tag>` (the Distribution API's
 * `Docker-Content-Digest` header), anonymously or with basic credentials. Plain HTTP for loopback registries,
 * as Docker allows; HTTPS otherwise. Undefined when the registry cannot say, so the caller deploys by tag.
 *
 * Known limit: registries that answer 401 with a bearer-token challenge (Docker Hub, GHCR) are not followed.
 */
export async function resolveDigest(
  ref: ImageRef,
  credentials?: Pick<RegistryCredentials, 'username' | 'password'>,
  timeoutMs = 10_000,
): Promise<string | undefined> {
  if (ref.digest) return ref.digest;
  if (!ref.registry || !ref.tag) return undefined;
  const scheme = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(ref.registry) ? 'http' : 'https';
  const url = `${scheme}://${ref.registry}/v2/${ref.repository}/manifests/${ref.tag}`;
  const headers: Record<string, string> = { Accept: MANIFEST_TYPES };
  if (credentials) {
    headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }
  try {
    const response = await fetch(url, { method: 'HEAD', headers, signal: AbortSignal.timeout(timeoutMs) });
    const digest = response.headers.get('docker-content-digest') ?? undefined;
    log('HEAD %s: %d %s', url, response.status, digest ?? '(no digest)');
    return response.ok && digest && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
  } catch (error) {
    log('HEAD %s failed: %s', url, (error as Error).message);
    return undefined;
  }
}
