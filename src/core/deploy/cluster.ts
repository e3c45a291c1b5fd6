import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  type KubernetesObject,
  type V1Deployment,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';
import { debugFor } from '../util/log.js';
import { FIELD_MANAGER } from './manifests.js';

const log = debugFor('kubernetes');

/** How long the API server gets to answer the first request before the cluster counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long any later request may take. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface ClusterOptions {
  /** A kubeconfig file; default KUBECONFIG, then ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** A context of the kubeconfig; empty means its current context. */
  context?: string;
}

/**
 * The few Kubernetes calls deploy and the trial executor make, each with its errors turned into ones that
 * say which cluster failed and what to check. Every write is a server-side apply by the field manager
 * `healthpredict`.
 */
export interface Cluster {
  readonly context: string;
  readonly server: string;
  /** Server-side apply (`application/apply-patch+yaml`, force), returning the object the server holds. */
  apply<T extends KubernetesObject>(object: T): Promise<T>;
  readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  delete(object: KubernetesObject): Promise<void>;
  /** GET through the API server's proxy to a Service port: `/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH`. */
  getThroughService(namespace: string, service: string, port: string, path: string): Promise<string>;
  createJob(job: V1Job): Promise<V1Job>;
  readJob(namespace: string, name: string): Promise<V1Job | undefined>;
  /** The pods a Job made, and the end of the first one's log, for a failed Job's message. */
  jobPods(namespace: string, jobName: string): Promise<V1Pod[]>;
  podLogTail(namespace: string, pod: string, lines: number): Promise<string>;
}

/** Loads the kubeconfig, picks the context, and checks that the API server answers. */
export async function connectCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const config = new KubeConfig();
  if (!options.kubeconfig && !hasDefaultKubeconfig()) {
    throw new UserError(
      'no cluster is configured: KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod',
      'point KUBECONFIG at the kubeconfig of the cluster (kind and EKS write one), or use --dry-run',
      EXIT_CODES.external,
    );
  }
  try {
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new UserError(
      `the kubeconfig cannot be read: ${(error as Error).message.split('\n')[0]}`,
      'point KUBECONFIG at a valid kubeconfig file',
      EXIT_CODES.badInput,
    );
  }
  if (options.context) {
    if (!config.getContexts().some((context) => context.name === options.context)) {
      throw new UserError(
        `the kubeconfig has no context "${options.context}"`,
        `use one of: ${
          config
            .getContexts()
            .map((context) => context.name)
            .join(', ') || 'none'
        }`,
        EXIT_CODES.notFound,
      );
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentCluster()) {
    throw new UserError(
      `the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''} has no cluster for its current context`,
      'point KUBECONFIG at the kubeconfig of the cluster (with clusters, users and a current-context)',
      EXIT_CODES.badInput,
    );
  }
  const cluster = new ClientCluster(config);
  await cluster.checkReachable();
  return cluster;
}

class ClientCluster implements Cluster {
  readonly context: string;
  readonly server: string;
  private readonly objects: KubernetesObjectApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly version: VersionApi;

  constructor(config: KubeConfig) {
    this.context = config.getCurrentContext();
    this.server = config.getCurrentCluster()?.server ?? 'an unknown server';
    this.objects = KubernetesObjectApi.makeApiClient(config);
    this.apps = config.makeApiClient(AppsV1Api);
    this.core = config.makeApiClient(CoreV1Api);
    this.batch = config.makeApiClient(BatchV1Api);
    this.version = config.makeApiClient(VersionApi);
  }

  async checkReachable(): Promise<void> {
    const info = await this.call('GET /version', () => this.version.getCode(), CONNECT_TIMEOUT_MS);
    log('cluster %s (context %s): Kubernetes %s', this.server, this.context, info.gitVersion);
  }

  apply<T extends KubernetesObject>(object: T): Promise<T> {
    const what = `apply ${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}`;
    return this.call(what, () =>
      this.objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
    ) as Promise<T>;
  }

  async readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined> {
    return this.orUndefined(`read Deployment ${namespace}/${name}`, () =>
      this.apps.readNamespacedDeployment({ name, namespace }),
    );
  }

  async delete(object: KubernetesObject): Promise<void> {
    const what = `delete ${object.kind} ${object.metadata?.namespace}/${object.metadata?.name}`;
    await this.orUndefined(what, () =>
      this.objects.delete(object, undefined, undefined, undefined, undefined, 'Background'),
    );
  }

  async getThroughService(namespace: string, service: string, port: string, path: string): Promise<string> {
    const answer: unknown = await this.call(`GET ${path} through Service ${namespace}/${service}`, () =>
      this.core.connectGetNamespacedServiceProxyWithPath({ name: `${service}:${port}`, namespace, path }),
    );
    return typeof answer === 'string' ? answer : JSON.stringify(answer);
  }

  createJob(job: V1Job): Promise<V1Job> {
    const namespace = job.metadata?.namespace ?? 'default';
    return this.call(`create Job ${namespace}/${job.metadata?.name}`, () =>
      this.batch.createNamespacedJob({ namespace, body: job, fieldManager: FIELD_MANAGER }),
    );
  }

  readJob(namespace: string, name: string): Promise<V1Job | undefined> {
    return this.orUndefined(`read Job ${namespace}/${name}`, () =>
      this.batch.readNamespacedJob({ name, namespace }),
    );
  }

  async jobPods(namespace: string, jobName: string): Promise<V1Pod[]> {
    const list = await this.call(`list the pods of Job ${namespace}/${jobName}`, () =>
      this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` }),
    );
    return list.items;
  }

  async podLogTail(namespace: string, pod: string, lines: number): Promise<string> {
    const text = await this.orUndefined(`read the log of pod ${namespace}/${pod}`, () =>
      this.core.readNamespacedPodLog({ name: pod, namespace, tailLines: lines }),
    );
    return text ?? '';
  }

  private async orUndefined<T>(what: string, request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(what, request);
    } catch (error) {
      if (error instanceof ExternalError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Runs one request with a time limit, turning its failure into an error that names the cluster. */
  private async call<T>(what: string, request: () => Promise<T>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        request(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      throw this.explain(what, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private explain(what: string, error: unknown): Error {
    if (error instanceof ApiException) {
      const status = error.code;
      const reason = apiMessage(error.body) ?? error.message.split('\n')[0];
      if (status === 401 || status === 403) {
        return new UserError(
          `the cluster ${this.server} refused to ${what} (${status}): ${reason}`,
          `check the credentials of context "${this.context}" and that they may do this (kubectl auth can-i)`,
          EXIT_CODES.external,
        );
      }
      return new ExternalError('kubernetes', `${what} failed (${status}): ${reason}`, { status });
    }
    const cause = (error as Error).message?.split('\n')[0] ?? String(error);
    return new UserError(
      `the Kubernetes API server ${this.server} (context "${this.context}") did not answer to ${what}: ${cause}`,
      'check KUBECONFIG and --context, and that the cluster is up (`kubectl cluster-info`)',
      EXIT_CODES.external,
    );
  }
}

function hasDefaultKubeconfig(): boolean {
  if (process.env.KUBECONFIG || process.env.KUBERNETES_SERVICE_HOST) return true;
  return existsSync(join(homedir(), '.kube', 'config'));
}

/** The `message` of a Kubernetes Status body, which the client hands over as a string or an object. */
function apiMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 200);
    } catch {
      return body.slice(0, 200) || undefined;
    }
  }
  return (body as { message?: string } | undefined)?.message;
}
