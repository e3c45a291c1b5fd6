import { EXIT_CODES, UserError } from '../errors/index.js';

/**
 * An image reference as Docker reads one: `[registry/]repository[:tag][@digest]`. The first path component is a
 * registry when it holds a `.` or a `:` or is `localhost`, as Docker decides.
 */
export interface ImageRef {
  /** `host[:port]`, or undefined for an image without a registry (local or Docker Hub). */
  registry?: string;
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function parseImageRef(reference: string): ImageRef {
  const invalid = (why: string): UserError =>
    new UserError(
      `"${reference}" is not an image reference: ${why}`,
      'write it as [host[:port]/]repository[:tag][@sha256:digest], such as 127.0.0.1:5000/healthpredict:3-1a2b3c4',
    );
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(`the digest "${digest}" is not sha256:<64 hex digits>`);
  }

  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(`the tag "${tag}" has characters a tag cannot hold`);
  }
  if (!REPOSITORY.test(rest)) throw invalid(`the repository "${rest}" must be lower-case path components`);
  return { registry, repository: rest, tag, digest };
}

/** The repository with its registry: what `docker push` and `docker tag` name. */
export function repositoryOf(ref: ImageRef): string {
  return ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
}

export function formatImageRef(ref: ImageRef): string {
  return `${repositoryOf(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * The tag that pins one model version built from one source commit: `<model-version>-<git-sha7>`, so that a
 * rebuild of the same version from other code gets another tag.
 */
export function versionTag(modelVersion: string, sourceCommit: string): string {
  if (!/^[0-9a-f]{7,40}$/.test(sourceCommit)) {
    throw new UserError(
      `the source commit "${sourceCommit}" is not a git commit hash`,
      'pass --source-commit with the 40-digit hash of the commit the CLI was built from',
    );
  }
  return `${modelVersion}-${sourceCommit.slice(0, 7)}`;
}

/**
 * The image repository to tag: the configured registry (`host[:port]/repository`, or an ECR repository URI),
 * or `healthpredict` when none is set, which stays on the engine until pushed.
 */
export function targetRepository(registry: string): ImageRef {
  if (registry.trim() === '') return { repository: 'healthpredict' };
  const ref = parseImageRef(registry);
  if (ref.tag || ref.digest) {
    throw new UserError(
      `the registry "${registry}" names a tag or digest; it must name a repository only`,
      'set registry to host[:port]/repository, such as 127.0.0.1:5000/healthpredict',
      EXIT_CODES.usage,
    );
  }
  return ref;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com` (and the `.cn` partition), as ECR names its registries. */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

export interface EcrRegistry {
  accountId: string;
  region: string;
}

export function ecrRegistryOf(ref: ImageRef): EcrRegistry | undefined {
  const match = ref.registry ? ECR_HOST.exec(ref.registry) : null;
  return match ? { accountId: match[1], region: match[2] } : undefined;
}
