import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type {
  KubernetesObject,
  V1Deployment,
  V1Secret,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { parse as parseYaml, stringify as toYaml } from 'yaml';

import type { RegistryCredentials } from '../container/ecr.js';
import { templatesDir } from '../container/project.js';
import { EXIT_CODES, UserError } from '../errors/index.js';

/** The field manager of every server-side apply, so that `kubectl` shows who owns which field. */
export const FIELD_MANAGER = 'healthpredict';

/** Annotations that say which model a pod template serves; rollback and the registry record read them back. */
export const ANNOTATIONS = {
  modelName: 'healthpredict.io/model-name',
  modelVersion: 'healthpredict.io/model-version',
  runId: 'healthpredict.io/run-id',
  image: 'healthpredict.io/image',
} as const;

export interface ServedModel {
  name: string;
  version: string;
  runId: string;
}

export interface ManifestOptions {
  /** The name of the Deployment, Service and autoscaler, and the `app.kubernetes.io/instance` label. */
  name: string;
  namespace: string;
  /** The image, pinned by digest where known. */
  image: string;
  model: ServedModel;
  /** Replicas of the Deployment; left to the autoscaler when `autoscale` is set. */
  replicas: number;
  autoscale?: { minReplicas: number; maxReplicas: number; cpuUtilization: number };
  nodePort?: number;
  /** Names of `kubernetes.io/dockerconfigjson` secrets the pods pull with. */
  imagePullSecrets?: string[];
  /** The directory holding `kubernetes/*.yaml`; default the package's templates/. */
  templates?: string;
}

export interface ServingManifests {
  deployment: V1Deployment;
  service: V1Service;
  autoscaler?: V2HorizontalPodAutoscaler;
}

/**
 * The Deployment, Service and optional HorizontalPodAutoscaler that serve one model version, from the YAML
 * files in `templates/kubernetes/` with the name, namespace, labels, image and replica counts filled in.
 */
export function servingManifests(options: ManifestOptions): ServingManifests {
  checkOptions(options);
  const dir = join(options.templates ?? templatesDir(), 'kubernetes');
  const selector = { 'app.kubernetes.io/name': 'healthpredict', 'app.kubernetes.io/instance': options.name };
  const labels = { ...selector, 'app.kubernetes.io/version': labelValue(options.model.version) };
  const annotations = {
    [ANNOTATIONS.modelName]: options.model.name,
    [ANNOTATIONS.modelVersion]: options.model.version,
    [ANNOTATIONS.runId]: options.model.runId,
    [ANNOTATIONS.image]: options.image,
  };

  const deployment = readTemplate<V1Deployment>(dir, 'deployment.yaml');
  named(deployment, options, labels, annotations);
  const spec = deployment.spec!;
  if (options.autoscale) delete spec.replicas;
  else spec.replicas = options.replicas;
  spec.selector = { matchLabels: selector };
  const template = spec.template;
  template.metadata = {
    labels: { ...template.metadata?.labels, ...labels },
    annotations: { ...template.metadata?.annotations, ...annotations },
  };
  const container = template.spec!.containers[0];
  container.image = options.image;
  if (options.imagePullSecrets?.length) {
    template.spec!.imagePullSecrets = options.imagePullSecrets.map((name) => ({ name }));
  }

  const service = readTemplate<V1Service>(dir, 'service.yaml');
  named(service, options, labels);
  service.spec!.selector = selector;
  if (options.nodePort !== undefined) service.spec!.ports![0].nodePort = options.nodePort;

  let autoscaler: V2HorizontalPodAutoscaler | undefined;
  if (options.autoscale) {
    autoscaler = readTemplate<V2HorizontalPodAutoscaler>(dir, 'hpa.yaml');
    named(autoscaler, options, labels);
    const scaling = autoscaler.spec!;
    scaling.scaleTargetRef.name = options.name;
    scaling.minReplicas = options.autoscale.minReplicas;
    scaling.maxReplicas = options.autoscale.maxReplicas;
    scaling.metrics![0].resource!.target.averageUtilization = options.autoscale.cpuUtilization;
  }
  return { deployment, service, autoscaler };
}

/** The objects in the order they are applied: the Service and autoscaler only once pods can exist. */
export function manifestList(manifests: ServingManifests): KubernetesObject[] {
  return [manifests.deployment, manifests.service, ...(manifests.autoscaler ? [manifests.autoscaler] : [])];
}

/** A `kubernetes.io/dockerconfigjson` secret with one registry's credentials, as `kubectl create secret docker-registry` writes it. */
export function pullSecret(name: string, namespace: string, credentials: RegistryCredentials): V1Secret {
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  const config = {
    auths: {
      [credentials.serverAddress]: { username: credentials.username, password: credentials.password, auth },
    },
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/name': 'healthpredict', 'app.kubernetes.io/managed-by': 'healthpredict' },
      annotations: credentials.expiresAt
        ? { 'healthpredict.io/expires-at': credentials.expiresAt.toISOString() }
        : {},
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}

/** The YAML stream `kubectl apply -f -` reads, with a leading comment per document. */
export function manifestsYaml(objects: KubernetesObject[], notes: string[] = []): string {
  const header = notes.map((note) => `# ${note}\n`).join('');
  return header + objects.map((object) => `---\n${toYaml(object, { lineWidth: 0 })}`).join('');
}

function named(
  object: KubernetesObject,
  options: ManifestOptions,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
): void {
  object.metadata = {
    name: options.name,
    namespace: options.namespace,
    labels: { ...object.metadata?.labels, ...labels },
    ...(annotations ? { annotations } : {}),
  };
}

function readTemplate<T>(dir: string, file: string): T {
  return parseYaml(readFileSync(join(dir, file), 'utf8')) as T;
}

/** Label values are at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric. */
function labelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkOptions(options: ManifestOptions): void {
  for (const [what, value] of [
    ['--name', options.name],
    ['--namespace', options.namespace],
  ] as const) {
    if (!DNS_LABEL.test(value)) {
      throw new UserError(
        `${what} "${value}" is not a Kubernetes name`,
        'use at most 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
      );
    }
  }
  if (options.autoscale && options.autoscale.minReplicas > options.autoscale.maxReplicas) {
    throw new UserError(
      `--min-replicas ${options.autoscale.minReplicas} is above --max-replicas ${options.autoscale.maxReplicas}`,
      'give a minimum no larger than the maximum',
      EXIT_CODES.usage,
    );
  }
  if (options.nodePort !== undefined && (options.nodePort < 30000 || options.nodePort > 32767)) {
    throw new UserError(
      `--node-port ${options.nodePort} is outside the default NodePort range`,
      'use a port from 30000 to 32767, or leave it to the cluster',
    );
  }
}
