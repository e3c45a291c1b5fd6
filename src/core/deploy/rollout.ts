import type { V1Deployment } from '@kubernetes/client-node';

import { InterruptedError } from '../errors/index.js';
import type { Cluster } from './cluster.js';

export interface RolloutStatus {
  /** True once the new revision's pods are all updated and available and no old pod is left. */
  complete: boolean;
  /** Why it is not complete: `timeout`, or the Deployment's own `ProgressDeadlineExceeded`. */
  reason?: 'timeout' | 'progress-deadline-exceeded' | 'deleted';
  revision?: string;
  generation: number;
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  /** The desired replicas (`spec.replicas`). */
  desiredReplicas: number;
  /** The message of the Deployment's Progressing or Available condition, when it has one. */
  message?: string;
}

export interface WaitOptions {
  cluster: Cluster;
  namespace: string;
  name: string;
  /** The generation the apply produced; older observed generations are not this rollout. */
  generation: number;
  deadline: number;
  pollMs: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/**
 * Waits for a Deployment's rollout as `kubectl rollout status` does: the controller has observed the applied
 * generation, every desired replica is updated, no old replica is left, and every updated replica is available.
 * Stops at the deadline or when the controller reports ProgressDeadlineExceeded.
 */
export async function waitForRollout(options: WaitOptions): Promise<RolloutStatus> {
  let last = '';
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('SIGINT');
    const deployment = await options.cluster.readDeployment(options.namespace, options.name);
    if (!deployment) return { ...emptyStatus(options.generation), reason: 'deleted' };
    const status = rolloutStatus(deployment);
    const line =
      `rollout of ${options.namespace}/${options.name}: ${status.updatedReplicas} of ${status.desiredReplicas} ` +
      `updated, ${status.availableReplicas} available, ${status.replicas} in all`;
    if (line !== last) options.onProgress?.(line);
    last = line;

    if (status.observedGeneration >= options.generation) {
      if (status.complete) return status;
      if (status.reason) return status;
    }
    if (Date.now() >= options.deadline) return { ...status, complete: false, reason: 'timeout' };
    await sleep(Math.min(options.pollMs, Math.max(0, options.deadline - Date.now())), options.signal);
  }
}

export function rolloutStatus(deployment: V1Deployment): RolloutStatus {
  const status = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  const stalled = progressing?.reason === 'ProgressDeadlineExceeded';
  return {
    complete: !stalled && updated >= desired && replicas === updated && available === updated,
    reason: stalled ? 'progress-deadline-exceeded' : undefined,
    revision: deployment.metadata?.annotations?.[REVISION_ANNOTATION],
    generation: deployment.metadata?.generation ?? 0,
    observedGeneration: status.observedGeneration ?? 0,
    replicas,
    updatedReplicas: updated,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: available,
    unavailableReplicas: status.unavailableReplicas ?? 0,
    desiredReplicas: desired,
    message: progressing?.message ?? status.conditions?.find((c) => c.type === 'Available')?.message,
  };
}

function emptyStatus(generation: number): RolloutStatus {
  return {
    complete: false,
    generation,
    observedGeneration: 0,
    replicas: 0,
    updatedReplicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    unavailableReplicas: 0,
    desiredReplicas: 0,
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
