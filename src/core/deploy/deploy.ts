import type { ECRClient } from '@aws-sdk/client-ecr';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';

import { ecrLogin, openEcr } from '../container/ecr.js';
import {
  ecrRegistryOf,
  formatImageRef,
  parseImageRef,
  repositoryOf,
  targetRepository,
  versionTag,
} from '../container/image-ref.js';
import { projectRoot, sourceCommit } from '../container/project.js';
import { resolveDigest } from '../container/registry-api.js';
import { EXIT_CODES, UserError, type ExitCode } from '../errors/index.js';
import type { ModelRegistry } from '../registry/types.js';
import type { ObjectStore } from '../storage/index.js';
import { resolveModelUri } from '../tracking/model-uri.js';
import type { TrackingStore } from '../tracking/types.js';
import { info, warn } from '../util/log.js';
import { connectCluster, type Cluster, type ClusterOptions } from './cluster.js';
import {
  ANNOTATIONS,
  manifestList,
  manifestsYaml,
  pullSecret,
  servingManifests,
  type ManifestOptions,
  type ServedModel,
} from './manifests.js';
import { recordDeployment } from './record.js';
import { REVISION_ANNOTATION, waitForRollout, type RolloutStatus } from './rollout.js';
import { verifyServedModel, type Verification } from './verify.js';

export interface DeployOptions {
  tracking: TrackingStore;
  registry: ModelRegistry;
  /** Where the promotion log is. */
  store: ObjectStore;
  modelUri: string;
  /** The image to run; default `<registry>:<model-version>-<git-sha7>` of this CLI's commit. */
  image?: string;
  /** The configured image registry, for the default image. */
  imageRegistry: string;
  sourceCommit?: string;
  name: string;
  namespace: string;
  replicas: number;
  autoscale?: ManifestOptions['autoscale'];
  nodePort?: number;
  /** An existing `kubernetes.io/dockerconfigjson` secret to pull with (registries other than ECR). */
  pullSecretName?: string;
  cluster: ClusterOptions;
  awsRegion?: string;
  /** An ECR client for tests. */
  ecr?: ECRClient;
  /** The whole wait for the rollout and its verification. */
  timeoutMs: number;
  /** Between two reads of the Deployment (default 2 s). */
  pollMs?: number;
  /** /model-info answers that must name the expected version (default 3). */
  verifySamples?: number;
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export type DeployStatus = 'deployed' | 'rolled-back' | 'rollback-failed' | 'dry-run';

export interface RolloutSummary {
  revision?: string;
  desiredReplicas: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

export interface DeployResult {
  status: DeployStatus;
  model: ServedModel;
  image: { reference: string; digest?: string; pinned: boolean };
  namespace: string;
  name: string;
  context?: string;
  server?: string;
  rollout?: RolloutSummary;
  verification?: Verification;
  /** Why the deployment failed, when it did. */
  failure?: {
    reason: 'rollout-timeout' | 'rollout-stalled' | 'wrong-version' | 'no-answer' | 'error';
    message: string;
  };
  rollback?: {
    action: 'restored' | 'removed';
    /** The revision and model version that serve again after a restore. */
    revision?: string;
    modelVersion?: string;
    image?: string;
    complete: boolean;
    message?: string;
  };
  /** True only when the version was recorded as deployed in the registry. */
  recorded: boolean;
  registryTags?: Record<string, string>;
  promotionLog?: string;
  pullSecret?: { name: string; registry: string; expiresAt?: string };
  /** With `--dry-run`: the manifests and the YAML printed. */
  manifests?: KubernetesObject[];
  yaml?: string;
}

const SERVICE_PORT_NAME = 'http';

/**
 * Takes a registered version to a running, verified deployment: applies the Deployment, Service and optional
 * autoscaler (server-side apply, field manager `healthpredict`) with the image pinned by digest where known and
 * a pull secret refreshed from a fresh ECR token, waits for the rollout, checks `/model-info` behind the Service,
 * and only then records the version as deployed. On any failure after the first apply it restores the revision
 * that served before (or removes what it created) and records nothing.
 */
export async function deployModel(options: DeployOptions): Promise<DeployResult> {
  const model = await servedModel(options);
  const imageRef = parseImageRef(options.image ?? (await defaultImage(options, model)));
  const ecrRegistry = ecrRegistryOf(imageRef);
  const secretName = ecrRegistry ? `${options.name}-registry` : options.pullSecretName;
  const base = { model, namespace: options.namespace, name: options.name };

  if (options.dryRun) {
    const reference = formatImageRef(imageRef);
    const manifests = manifestList(servingManifests(manifestOptions(options, model, reference, secretName)));
    const notes = [`${model.name} version ${model.version} (run ${model.runId}) as ${reference}`];
    if (!imageRef.digest)
      notes.push('the image is not pinned by digest: give --image REPOSITORY@sha256:DIGEST');
    if (ecrRegistry)
      notes.push(
        `Secret ${secretName} (kubernetes.io/dockerconfigjson) is made from a fresh ECR token at deploy time`,
      );
    const yaml = manifestsYaml(manifests, notes);
    return {
      ...base,
      status: 'dry-run',
      image: { reference, digest: imageRef.digest, pinned: imageRef.digest !== undefined },
      recorded: false,
      manifests,
      yaml,
    };
  }

  const credentials = ecrRegistry
    ? await ecrLogin(options.ecr ?? openEcr(ecrRegistry.region || options.awsRegion || ''), ecrRegistry)
    : undefined;
  const digest = imageRef.digest ?? (await resolveDigest(imageRef, credentials));
  if (!digest) warn(`the registry gave no digest for ${formatImageRef(imageRef)}: deploying it by tag`);
  const reference = formatImageRef({ ...imageRef, digest });
  const image = { reference, digest, pinned: digest !== undefined };

  const cluster = await connectCluster(options.cluster);
  const where = { ...base, image, context: cluster.context, server: cluster.server };
  const before = await cluster.readDeployment(options.namespace, options.name);
  const manifests = servingManifests(manifestOptions(options, model, reference, secretName));
  const deadline = Date.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 2_000;
  const progress = options.onProgress ?? info;

  let pullSecretResult: DeployResult['pullSecret'];
  if (credentials && secretName) {
    await cluster.apply(pullSecret(secretName, options.namespace, credentials));
    pullSecretResult = {
      name: secretName,
      registry: credentials.serverAddress,
      expiresAt: credentials.expiresAt?.toISOString(),
    };
  }

  let rollout: RolloutStatus | undefined;
  let verification: Verification | undefined;
  let failure: DeployResult['failure'];
  try {
    const applied = await cluster.apply(manifests.deployment);
    await cluster.apply(manifests.service);
    if (manifests.autoscaler) await cluster.apply(manifests.autoscaler);
    progress(
      `applied Deployment, Service${manifests.autoscaler ? ' and HorizontalPodAutoscaler' : ''} ${options.namespace}/${options.name}`,
    );

    rollout = await waitForRollout({
      cluster,
      namespace: options.namespace,
      name: options.name,
      generation: applied.metadata?.generation ?? 1,
      deadline,
      pollMs,
      signal: options.signal,
      onProgress: progress,
    });
    if (!rollout.complete) {
      failure = rolloutFailure(rollout, options.timeoutMs);
    } else {
      verification = await verifyServedModel({
        cluster,
        namespace: options.namespace,
        service: options.name,
        port: SERVICE_PORT_NAME,
        expected: model,
        samples: options.verifySamples ?? 3,
        deadline: Math.max(deadline, Date.now() + 10 * pollMs),
        pollMs,
        signal: options.signal,
      });
      if (!verification.verified) {
        failure = {
          reason: verification.failure ?? 'no-answer',
          message: verification.message ?? 'not verified',
        };
      }
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    failure = { reason: 'error', message: (error as Error).message };
  }

  const summary = rollout ? summarize(rollout) : undefined;
  if (!failure) {
    const recorded = await recordDeployment(options.registry, options.store, {
      event: 'deployed',
      at: new Date().toISOString(),
      model,
      image: reference,
      digest,
      context: cluster.context,
      namespace: options.namespace,
      deployment: options.name,
      revision: rollout?.revision,
      replicas: rollout?.availableReplicas ?? 0,
      previous: previousModel(before),
    });
    return {
      ...where,
      status: 'deployed',
      rollout: summary,
      verification,
      recorded: true,
      registryTags: recorded.tags,
      promotionLog: recorded.log,
      pullSecret: pullSecretResult,
    };
  }

  progress(`deploy failed (${failure.message}); rolling back`);
  const rollback = await rollBack(cluster, options, manifests.deployment, manifests, before, pollMs);
  return {
    ...where,
    status: rollback.complete ? 'rolled-back' : 'rollback-failed',
    rollout: summary,
    verification,
    failure,
    rollback,
    recorded: false,
    pullSecret: pullSecretResult,
  };
}

/** The exit code of a deployment that did not end deployed. */
export function deployExitCode(result: DeployResult): ExitCode {
  if (result.status === 'rolled-back') return EXIT_CODES.rolledBack;
  if (result.status === 'rollback-failed') return EXIT_CODES.rollbackFailed;
  return EXIT_CODES.ok;
}

/** One line on a deployment that did not end deployed: what failed, and what the rollback undid. */
export function deployFailureMessage(result: DeployResult): string {
  const target = `${result.namespace}/${result.name} in context ${result.context}`;
  const rollback = result.rollback;
  const undone =
    rollback?.action === 'removed'
      ? 'removed what this deploy created'
      : `restored revision ${rollback?.revision ?? '?'} (version ${rollback?.modelVersion ?? '?'})`;
  return (
    `deploy of ${result.model.name} version ${result.model.version} to ${target} failed: ` +
    `${result.failure?.message}; ` +
    (rollback?.complete ? `rolled back: ${undone}` : `the rollback failed too: ${rollback?.message}`) +
    '; nothing was recorded'
  );
}

async function servedModel(options: DeployOptions): Promise<ServedModel> {
  const resolved = await resolveModelUri(options.modelUri, {
    tracking: options.tracking,
    registry: options.registry,
  });
  if (!resolved.name || !resolved.version || !resolved.runId) {
    throw new UserError(
      `the model URI "${options.modelUri}" names no registered version`,
      'give models:/HealthPredict/VERSION or models:/HealthPredict@champion',
    );
  }
  return { name: resolved.name, version: resolved.version, runId: resolved.runId };
}

async function defaultImage(options: DeployOptions, model: ServedModel): Promise<string> {
  if (!options.imageRegistry) {
    throw new UserError(
      'no image to deploy: neither --image nor a registry is given',
      'pass --image REPOSITORY@sha256:DIGEST (what `healthpredict push` printed), or set --registry',
    );
  }
  const commit = await sourceCommit(projectRoot(), options.sourceCommit);
  return `${repositoryOf(targetRepository(options.imageRegistry))}:${versionTag(model.version, commit)}`;
}

function manifestOptions(
  options: DeployOptions,
  model: ServedModel,
  image: string,
  secretName: string | undefined,
): ManifestOptions {
  return {
    name: options.name,
    namespace: options.namespace,
    image,
    model,
    replicas: options.replicas,
    autoscale: options.autoscale,
    nodePort: options.nodePort,
    imagePullSecrets: secretName ? [secretName] : undefined,
  };
}

function rolloutFailure(rollout: RolloutStatus, timeoutMs: number): NonNullable<DeployResult['failure']> {
  const counts =
    `${rollout.updatedReplicas} of ${rollout.desiredReplicas} updated, ${rollout.availableReplicas} available` +
    (rollout.message ? `; ${rollout.message}` : '');
  if (rollout.reason === 'progress-deadline-exceeded') {
    return { reason: 'rollout-stalled', message: `the rollout exceeded its progress deadline (${counts})` };
  }
  if (rollout.reason === 'deleted')
    return { reason: 'error', message: 'the Deployment was deleted during the rollout' };
  return {
    reason: 'rollout-timeout',
    message: `the rollout was not complete within ${timeoutMs / 1000} s (${counts})`,
  };
}

function summarize(rollout: RolloutStatus): RolloutSummary {
  return {
    revision: rollout.revision,
    desiredReplicas: rollout.desiredReplicas,
    replicas: rollout.replicas,
    updatedReplicas: rollout.updatedReplicas,
    readyReplicas: rollout.readyReplicas,
    availableReplicas: rollout.availableReplicas,
  };
}

function previousModel(before: V1Deployment | undefined): { version?: string; image?: string } | undefined {
  const annotations = before?.spec?.template.metadata?.annotations;
  if (!annotations) return undefined;
  return { version: annotations[ANNOTATIONS.modelVersion], image: annotations[ANNOTATIONS.image] };
}

/**
 * Restores the pod template that served before this deploy, as `kubectl rollout undo` does (the controller
 * brings back the old ReplicaSet), and waits for it; with no Deployment before, removes what this deploy
 * created. The Service and autoscaler do not name a version, so they stay.
 */
async function rollBack(
  cluster: Cluster,
  options: DeployOptions,
  applied: V1Deployment,
  manifests: ReturnType<typeof servingManifests>,
  before: V1Deployment | undefined,
  pollMs: number,
): Promise<NonNullable<DeployResult['rollback']>> {
  try {
    if (!before?.spec) {
      for (const object of [manifests.autoscaler, manifests.service, manifests.deployment]) {
        if (object) await cluster.delete(object);
      }
      return {
        action: 'removed',
        complete: true,
        message: 'there was no Deployment before; removed what this deploy created',
      };
    }
    const previous = previousModel(before);
    const annotations = { ...before.metadata?.annotations };
    delete annotations[REVISION_ANNOTATION];
    const restored: V1Deployment = {
      ...applied,
      metadata: { ...applied.metadata, annotations },
      spec: { ...applied.spec!, template: before.spec.template },
    };
    const answer = await cluster.apply(restored);
    const status = await waitForRollout({
      cluster,
      namespace: options.namespace,
      name: options.name,
      generation: answer.metadata?.generation ?? 1,
      deadline: Date.now() + options.timeoutMs,
      pollMs,
      signal: options.signal,
      onProgress: options.onProgress ?? info,
    });
    return {
      action: 'restored',
      revision: status.revision,
      modelVersion: previous?.version,
      image: previous?.image ?? before.spec.template.spec?.containers[0]?.image,
      complete: status.complete,
      message: status.complete ? undefined : rolloutFailure(status, options.timeoutMs).message,
    };
  } catch (error) {
    return { action: before ? 'restored' : 'removed', complete: false, message: (error as Error).message };
  }
}
