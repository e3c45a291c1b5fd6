import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A TEST DOUBLE of the Kubernetes API server: no cluster can run on this machine, so this HTTP server on
 * 127.0.0.1 answers the few endpoints `healthpredict deploy` and the Kubernetes trial executor call, as a
 * real API server and its controllers would, and records every request so that tests can check them:
 *
 * - discovery (`/api/v1`, `/apis/apps/v1`, …) and `/version`;
 * - server-side apply (PATCH with `application/apply-patch+yaml`), GET and DELETE of Deployments, Services,
 *   HorizontalPodAutoscalers and Secrets; a Deployment whose pod template changes gets a new generation and
 *   revision, as the Deployment controller gives it;
 * - the rollout: a template listed in `neverReady` never becomes available (its old pods keep serving, as
 *   `maxUnavailable: 0` makes them); any other one completes after `readyAfterReads` reads;
 * - `GET …/services/NAME:PORT/proxy/model-info`: answers with the model named by the annotations of the
 *   pod template whose pods serve (or what `modelInfoFor` returns, to play a wrong image);
 * - Jobs: POST creates one and hands it to `runJob`, which plays the kubelet; the Job succeeds or fails as it
 *   says, and its pod's log is what it returned.
 */
export interface FakeKubeOptions {
  /** Reads of a Deployment before a new rollout completes (default 2). */
  readyAfterReads?: number;
  /** Images whose rollout never becomes available. */
  neverReady?: Set<string>;
  /** What /model-info answers for the pod template that serves; default its annotations. */
  modelInfoFor?: (annotations: Record<string, string>) => Record<string, unknown>;
  /** Plays the kubelet for a Job: runs its container and says how it ended. */
  runJob?: (job: KubeObject) => Promise<{ succeeded: boolean; log: string }>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType?: string;
  body?: unknown;
}

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: any;
  status?: any;
  [key: string]: unknown;
};

interface DeploymentState {
  object: KubeObject;
  templateHash: string;
  reads: number;
  /** The template whose pods serve now: the last one that became available. */
  serving?: KubeObject;
  /** Revision number of each template seen, as the controller numbers ReplicaSets. */
  revisions: Map<string, number>;
}

const RESOURCES: Record<string, { kind: string; name: string; namespaced: boolean }[]> = {
  v1: [
    { kind: 'Service', name: 'services', namespaced: true },
    { kind: 'Secret', name: 'secrets', namespaced: true },
    { kind: 'Pod', name: 'pods', namespaced: true },
    { kind: 'Namespace', name: 'namespaces', namespaced: false },
  ],
  'apps/v1': [
    { kind: 'Deployment', name: 'deployments', namespaced: true },
    { kind: 'ReplicaSet', name: 'replicasets', namespaced: true },
  ],
  'autoscaling/v2': [{ kind: 'HorizontalPodAutoscaler', name: 'horizontalpodautoscalers', namespaced: true }],
  'batch/v1': [{ kind: 'Job', name: 'jobs', namespaced: true }],
};

export class FakeKubeApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly objects = new Map<string, KubeObject>();
  private readonly deployments = new Map<string, DeploymentState>();
  private readonly jobLogs = new Map<string, string>();
  private server?: Server;
  url = '';

  constructor(private readonly options: FakeKubeOptions = {}) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => send(response, 500, status(500, error.message)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** A kubeconfig whose one context points at this server. */
  async writeKubeconfig(path: string, namespace = 'default'): Promise<void> {
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      // @kubernetes/client-node refuses a plain-HTTP server unless TLS checks are off, as they are here.
      clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake', user: { token: 'test-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace } }],
      'current-context': 'fake',
    };
    await writeFile(path, JSON.stringify(config));
  }

  /** Writes made by server-side apply, in order, as `Kind/name`. */
  applied(): string[] {
    return this.requests
      .filter((r) => r.method === 'PATCH')
      .map((r) => `${(r.body as KubeObject).kind}/${(r.body as KubeObject).metadata?.name}`);
  }

  deployment(namespace: string, name: string): KubeObject | undefined {
    return this.deployments.get(`${namespace}/${name}`)?.object;
  }

  /** Puts a Deployment in place as if an earlier deploy had completed, serving `object`'s template. */
  seedDeployment(object: KubeObject): void {
    const key = `${object.metadata!.namespace}/${object.metadata!.name}`;
    const hash = templateHash(object);
    const seeded: KubeObject = structuredClone(object);
    seeded.metadata = {
      ...seeded.metadata,
      generation: 1,
      annotations: { ...seeded.metadata?.annotations, 'deployment.kubernetes.io/revision': '1' },
    };
    const state: DeploymentState = {
      object: seeded,
      templateHash: hash,
      reads: 0,
      serving: structuredClone(seeded.spec.template),
      revisions: new Map([[hash, 1]]),
    };
    state.object.status = readyStatus(seeded);
    this.deployments.set(key, state);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const body = await readBody(request);
    const contentType = request.headers['content-type'];
    const parsed = body ? JSON.parse(body) : undefined;
    this.requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      contentType,
      body: parsed,
    });

    if (request.headers.authorization !== 'Bearer test-token')
      return send(response, 401, status(401, 'Unauthorized'));
    if (url.pathname === '/version')
      return send(response, 200, { major: '1', minor: '30', gitVersion: 'v1.30.0-fake' });
    const discovery = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(url.pathname);
    if (discovery) return this.discover(response, discovery[1] ?? discovery[2]);

    // The service segment is NAME:PORT, which clients send percent-encoded, as the API server accepts it.
    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy\/(.*)$/.exec(url.pathname);
    if (proxy) return this.proxy(response, proxy[1], decodeURIComponent(proxy[2]).split(':')[0], proxy[3]);
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (log) return sendText(response, 200, this.jobLogs.get(log[2].replace(/-pod$/, '')) ?? '');
    const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (pods) return this.listPods(response, pods[1], url.searchParams.get('labelSelector') ?? '');

    const match = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    if (!match) return send(response, 404, status(404, `no route ${url.pathname}`));
    const [, group, version, namespace, plural, name] = match;
    const apiVersion = group ? `${group}/${version}` : 'v1';
    const key = `${apiVersion}/${namespace}/${plural}/${name}`;

    if (request.method === 'POST' && plural === 'jobs' && !name)
      return this.createJob(response, namespace, parsed);
    if (!name) return send(response, 405, status(405, 'collection requests are not part of this double'));
    if (request.method === 'PATCH') {
      if (contentType !== 'application/apply-patch+yaml') {
        return send(response, 415, status(415, `only server-side apply, not ${contentType}`));
      }
      if (url.searchParams.get('fieldManager') === null) {
        return send(response, 400, status(400, 'fieldManager is required for apply patch'));
      }
      return send(response, 200, this.apply(key, plural, namespace, name, parsed));
    }
    if (request.method === 'GET') {
      if (plural === 'deployments') {
        const state = this.deployments.get(`${namespace}/${name}`);
        if (!state) return send(response, 404, status(404, `deployments.apps "${name}" not found`));
        this.advance(state);
        return send(response, 200, state.object);
      }
      const object = this.objects.get(key);
      return object
        ? send(response, 200, object)
        : send(response, 404, status(404, `${plural} "${name}" not found`));
    }
    if (request.method === 'DELETE') {
      const existed =
        plural === 'deployments' ? this.deployments.delete(`${namespace}/${name}`) : this.objects.delete(key);
      return existed
        ? send(response, 200, status(200, 'deleted'))
        : send(response, 404, status(404, 'not found'));
    }
    return send(response, 405, status(405, `${request.method} is not part of this double`));
  }

  private discover(response: ServerResponse, groupVersion: string): void {
    const resources = RESOURCES[groupVersion];
    if (!resources) return send(response, 404, status(404, `no API ${groupVersion}`));
    send(response, 200, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion,
      resources: resources.map((r) => ({
        ...r,
        singularName: r.kind.toLowerCase(),
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      })),
    });
  }

  private apply(
    key: string,
    plural: string,
    namespace: string,
    name: string,
    object: KubeObject,
  ): KubeObject {
    if (plural !== 'deployments') {
      const stored = { ...object, metadata: { ...object.metadata, namespace, name, uid: uid(key) } };
      this.objects.set(key, stored);
      return stored;
    }
    const stateKey = `${namespace}/${name}`;
    const hash = templateHash(object);
    const state = this.deployments.get(stateKey);
    if (!state) {
      const created: KubeObject = {
        ...object,
        metadata: {
          ...object.metadata,
          namespace,
          name,
          generation: 1,
          uid: uid(key),
          annotations: { ...object.metadata?.annotations, 'deployment.kubernetes.io/revision': '1' },
        },
      };
      created.status = { observedGeneration: 0 };
      this.deployments.set(stateKey, {
        object: created,
        templateHash: hash,
        reads: 0,
        revisions: new Map([[hash, 1]]),
      });
      return created;
    }
    const changed = hash !== state.templateHash;
    const generation =
      (state.object.metadata?.generation ?? 1) + (changed || replicasChanged(state.object, object) ? 1 : 0);
    let revision = state.object.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '1';
    if (changed) {
      // As the controller does: a template seen before takes the next revision (its ReplicaSet comes back).
      const next = Math.max(...state.revisions.values()) + 1;
      state.revisions.set(hash, next);
      revision = String(next);
      state.reads = 0;
    }
    state.templateHash = hash;
    state.object = {
      ...object,
      metadata: {
        ...object.metadata,
        namespace,
        name,
        generation,
        uid: uid(key),
        annotations: { ...object.metadata?.annotations, 'deployment.kubernetes.io/revision': revision },
      },
      status: state.object.status,
    };
    return state.object;
  }

  /** One read of a Deployment: its controller moves the rollout on. */
  private advance(state: DeploymentState): void {
    state.reads += 1;
    const object = state.object;
    const desired = object.spec?.replicas ?? 1;
    const image = object.spec?.template?.spec?.containers?.[0]?.image as string;
    const generation = object.metadata?.generation ?? 1;
    if (this.options.neverReady?.has(image)) {
      const old = state.serving ? desired : 0;
      object.status = {
        observedGeneration: generation,
        replicas: old + 1,
        updatedReplicas: 1,
        readyReplicas: old,
        availableReplicas: old,
        unavailableReplicas: 1,
        conditions: [
          {
            type: 'Available',
            status: old > 0 ? 'True' : 'False',
            reason: old > 0 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          },
          {
            type: 'Progressing',
            status: 'True',
            reason: 'ReplicaSetUpdated',
            message: `ReplicaSet "${object.metadata?.name}" is progressing.`,
          },
        ],
      };
      return;
    }
    if (state.reads < (this.options.readyAfterReads ?? 2)) {
      object.status = {
        ...object.status,
        observedGeneration: generation,
        updatedReplicas: Math.min(1, desired),
        replicas: desired + 1,
      };
      return;
    }
    object.status = readyStatus(object);
    state.serving = structuredClone(object.spec.template);
  }

  private proxy(response: ServerResponse, namespace: string, service: string, path: string): void {
    if (!this.objects.has(`v1/${namespace}/services/${service}`)) {
      return send(response, 404, status(404, `services "${service}" not found`));
    }
    const serving = this.deployments.get(`${namespace}/${service}`)?.serving;
    if (!serving) return send(response, 503, status(503, `no endpoints available for service "${service}"`));
    if (path !== 'model-info') return send(response, 404, status(404, `no ${path} in this double`));
    const annotations = serving.metadata?.annotations ?? {};
    const answer = this.options.modelInfoFor?.(annotations) ?? {
      name: annotations['healthpredict.io/model-name'],
      version: annotations['healthpredict.io/model-version'],
      run_id: annotations['healthpredict.io/run-id'],
    };
    send(response, 200, answer);
  }

  private async createJob(response: ServerResponse, namespace: string, job: KubeObject): Promise<void> {
    const name = job.metadata!.name!;
    const key = `batch/v1/${namespace}/jobs/${name}`;
    if (this.objects.has(key)) return send(response, 409, status(409, `jobs.batch "${name}" already exists`));
    const stored: KubeObject = {
      ...job,
      metadata: { ...job.metadata, namespace, uid: uid(key) },
      status: { active: 1 },
    };
    this.objects.set(key, stored);
    send(response, 201, stored);
    const runner = this.options.runJob ?? (async () => ({ succeeded: true, log: '' }));
    const outcome = await runner(stored).catch((error: Error) => ({ succeeded: false, log: error.message }));
    this.jobLogs.set(name, outcome.log);
    stored.status = outcome.succeeded
      ? { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }
      : {
          failed: 1,
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit',
            },
          ],
        };
  }

  private listPods(response: ServerResponse, namespace: string, selector: string): void {
    const job = /^job-name=(.+)$/.exec(selector)?.[1];
    const items =
      job && this.objects.has(`batch/v1/${namespace}/jobs/${job}`)
        ? [{ metadata: { name: `${job}-pod`, namespace } }]
        : [];
    send(response, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
  }
}

function readyStatus(object: KubeObject): Record<string, unknown> {
  const desired = object.spec?.replicas ?? 1;
  return {
    observedGeneration: object.metadata?.generation ?? 1,
    replicas: desired,
    updatedReplicas: desired,
    readyReplicas: desired,
    availableReplicas: desired,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    ],
  };
}

function templateHash(object: KubeObject): string {
  return createHash('sha256')
    .update(JSON.stringify(object.spec?.template ?? {}))
    .digest('hex')
    .slice(0, 10);
}

function replicasChanged(before: KubeObject, after: KubeObject): boolean {
  return (before.spec?.replicas ?? 1) !== (after.spec?.replicas ?? 1);
}

function uid(key: string): string {
  return createHash('md5').update(key).digest('hex');
}

function status(code: number, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', status: code < 300 ? 'Success' : 'Failure', message, code };
}

function send(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function sendText(response: ServerResponse, code: number, text: string): void {
  response.writeHead(code, { 'content-type': 'text/plain' });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}
