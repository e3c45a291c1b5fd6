import { isAbsolute, resolve } from 'node:path';

import { UserError } from '../errors/index.js';
import type { TrackingStore } from '../tracking/types.js';
import { connectTrialExecutor, type KubernetesExecutor } from './trial-jobs.js';

/** What `train --executor kubernetes` is given, as the configuration and flags state it. */
export interface KubernetesTrialSettings {
  tracking: TrackingStore;
  image?: string;
  namespace: string;
  /** Empty means the kubeconfig's current context. */
  kubeContext: string;
  store: string;
  trackingUri: string;
  /** A PersistentVolumeClaim and the path it is mounted at, as CLAIM:/PATH. */
  sharedVolume?: string;
  s3Endpoint: string;
  awsRegion: string;
  jobTimeoutSeconds: number;
  signal?: AbortSignal;
}

/** Checks the settings and connects the executor that runs each step of a trial as a Kubernetes Job. */
export function connectKubernetesTrials(settings: KubernetesTrialSettings): Promise<KubernetesExecutor> {
  return connectTrialExecutor({
    tracking: settings.tracking,
    image: requireImage(settings.image),
    namespace: settings.namespace,
    cluster: { context: settings.kubeContext || undefined },
    storeUri: podPath(settings.store),
    trackingUri: podPath(settings.trackingUri),
    sharedVolume: sharedVolumeOf(settings.sharedVolume),
    env: podEnv(settings),
    jobTimeoutMs: settings.jobTimeoutSeconds * 1000,
    signal: settings.signal,
  });
}

function requireImage(image: string | undefined): string {
  if (!image) {
    throw new UserError(
      '--executor kubernetes needs --image',
      'give the image `healthpredict build` printed',
    );
  }
  return image;
}

/** A store directory as a pod must name it: absolute, since the pod's working directory is another. */
function podPath(uri: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(uri) || isAbsolute(uri) ? uri : resolve(uri);
}

function sharedVolumeOf(value: string | undefined): { claim: string; mountPath: string } | undefined {
  if (!value) return undefined;
  const [claim, mountPath] = value.split(':');
  if (!claim || !mountPath?.startsWith('/')) {
    throw new UserError(
      `--shared-volume "${value}" is not CLAIM:/PATH`,
      'write it as hp-data:/srv/healthpredict',
    );
  }
  return { claim, mountPath };
}

/** Settings the pods need to reach the same S3 store; credentials come from the pods' own identity. */
function podEnv(values: { s3Endpoint: string; awsRegion: string }): Record<string, string> {
  return {
    ...(values.s3Endpoint ? { HEALTHPREDICT_S3_ENDPOINT: values.s3Endpoint } : {}),
    ...(values.awsRegion ? { AWS_REGION: values.awsRegion } : {}),
  };
}
