import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { V1Job } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';

import { templatesDir } from '../container/project.js';
import { EXIT_CODES, ExternalError, InterruptedError, UserError } from '../errors/index.js';
import type { FamilyTrainer } from '../models/family.js';
import { familyDefinition } from '../models/families.js';
import { parseLogisticModel, predictLogistic } from '../models/logistic/index.js';
import type { Matrix, ModelFamily } from '../models/types.js';
import { parseXGBoostModel, predictProba } from '../models/xgboost/tree-scorer.js';
import type { TrainerRequest } from '../pipeline/train.js';
import { prepareTrainingData, type TrainingSplits } from '../pipeline/prepared-data.js';
import type { TrackingStore } from '../tracking/types.js';
import type { Params } from '../tuning/space.js';
import { info } from '../util/log.js';
import { connectCluster, type Cluster, type ClusterOptions } from './cluster.js';
import { sleep } from './rollout.js';

/** Where a trial's orders and results live in its run's artifacts. */
export const TRIAL_SPEC_PATH = 'trial/spec.json';
export const trialWeightsPath = (resource: number): string => `trial/weights-r${resource}.json`;

/** What the orchestrator tells a trial Job to train; it writes it into the trial's run before the first Job. */
export interface TrialSpec {
  format: 'healthpredict-trial/1';
  family: ModelFamily;
  params: Params;
  seed: number;
  threads: number;
  trial: number;
}

export interface KubernetesExecutorOptions {
  tracking: TrackingStore;
  /** The image whose CLI runs each trial: the serving image of `healthpredict build`. */
  image: string;
  namespace: string;
  cluster: ClusterOptions;
  /** The object store and tracking store as the pods must name them (the same stores the orchestrator uses). */
  storeUri: string;
  trackingUri: string;
  /** A PersistentVolumeClaim to mount in every trial pod, and where: for stores that are directories. */
  sharedVolume?: { claim: string; mountPath: string };
  /** Environment passed to the pods (such as the S3 endpoint and region), never credentials from here. */
  env?: Record<string, string>;
  /** How long one Job may take. */
  jobTimeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
}

export interface KubernetesExecutor {
  cluster: Cluster;
  /** Makes the trainer of one trial: each `advanceTo` is one Kubernetes Job. */
  createTrainer(request: TrainerRequest): FamilyTrainer;
  /** Jobs run so far, by name, for the result. */
  readonly jobs: string[];
}

/**
 * Runs the trials of `train --hpo` as Kubernetes Jobs of the serving image. The search itself (TPE proposals,
 * ASHA rungs, scoring, the model artifact of the best run) stays in the orchestrating process; each step of a
 * trial, "train to this resource", is a Job that trains from scratch with the trial's parameters and seed and
 * writes the weights into the trial's run in the shared tracking store, where the orchestrator reads them back
 * and scores them in TypeScript. A failed Job fails the search with its pod's log.
 */
export async function connectTrialExecutor(options: KubernetesExecutorOptions): Promise<KubernetesExecutor> {
  const cluster = await connectCluster(options.cluster);
  const jobs: string[] = [];
  return {
    cluster,
    jobs,
    createTrainer: (request) => new JobTrainer(request, options, cluster, jobs),
  };
}

class JobTrainer implements FamilyTrainer {
  private scorer?: (matrix: Matrix) => Float64Array;
  private trained?: string;
  private specWritten = false;

  constructor(
    private readonly request: TrainerRequest,
    private readonly options: KubernetesExecutorOptions,
    private readonly cluster: Cluster,
    private readonly jobs: string[],
  ) {}

  async advanceTo(resource: number): Promise<void> {
    const { request, options } = this;
    if (!this.specWritten) {
      const spec: TrialSpec = {
        format: 'healthpredict-trial/1',
        family: request.family,
        params: request.params,
        seed: request.seed,
        threads: request.threads,
        trial: request.trial,
      };
      await options.tracking.logArtifact(request.runId, TRIAL_SPEC_PATH, JSON.stringify(spec, null, 2));
      this.specWritten = true;
    }
    const job = trialJob({
      ...options,
      runId: request.runId,
      resource,
      family: request.family,
      trial: request.trial,
    });
    const name = job.metadata!.name!;
    await this.cluster.createJob(job);
    this.jobs.push(name);
    info(
      `[${request.family}] trial ${request.trial}: Job ${options.namespace}/${name} trains to ${resource}`,
    );
    await waitForJob(
      this.cluster,
      options,
      name,
      `${request.family} trial ${request.trial} (run ${request.runId})`,
    );

    this.trained = (await options.tracking.readArtifact(request.runId, trialWeightsPath(resource))).toString(
      'utf8',
    );
    this.scorer = scorerOf(request.family, this.trained);
  }

  predict(matrix: Matrix): Float64Array {
    if (!this.scorer) throw new Error('predict before any trial Job finished');
    return this.scorer(matrix);
  }

  weights(): string {
    if (this.trained === undefined) throw new Error('weights before any trial Job finished');
    return this.trained;
  }

  dispose(): void {
    this.scorer = undefined;
  }
}

/** The TypeScript scorer of saved weights, so that the orchestrator needs no native library to score. */
function scorerOf(family: ModelFamily, weights: string): (matrix: Matrix) => Float64Array {
  if (family === 'logistic') {
    const model = parseLogisticModel(JSON.parse(weights));
    return (matrix) => predictLogistic(model, matrix);
  }
  const ensemble = parseXGBoostModel(weights);
  return (matrix) => predictProba(ensemble, matrix);
}

async function waitForJob(
  cluster: Cluster,
  options: KubernetesExecutorOptions,
  name: string,
  what: string,
): Promise<void> {
  const deadline = Date.now() + options.jobTimeoutMs;
  const namespace = options.namespace;
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError('SIGINT');
    const job = await cluster.readJob(namespace, name);
    if (!job)
      throw new ExternalError('kubernetes', `the trial Job ${namespace}/${name} of ${what} disappeared`);
    const conditions = job.status?.conditions ?? [];
    if (
      (job.status?.succeeded ?? 0) > 0 ||
      conditions.some((c) => c.type === 'Complete' && c.status === 'True')
    )
      return;
    const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
    if (failed || (job.status?.failed ?? 0) > 0) {
      const pods = await cluster.jobPods(namespace, name);
      const pod = pods[0]?.metadata?.name;
      const log = pod ? await cluster.podLogTail(namespace, pod, 20) : '';
      throw new ExternalError(
        'kubernetes',
        `the trial Job ${namespace}/${name} of ${what} failed: ${failed?.reason ?? 'Failed'}` +
          (failed?.message ? ` (${failed.message})` : '') +
          (pod ? `; see \`kubectl logs -n ${namespace} ${pod}\`` : ''),
        { status: failed?.reason, output: log.trimEnd() },
      );
    }
    if (Date.now() >= deadline) {
      throw new ExternalError(
        'kubernetes',
        `the trial Job ${namespace}/${name} of ${what} did not finish within ${options.jobTimeoutMs / 1000} s`,
      );
    }
    await sleep(Math.min(options.pollMs ?? 1_000, Math.max(0, deadline - Date.now())), options.signal);
  }
}

export interface TrialJobOptions {
  image: string;
  namespace: string;
  runId: string;
  resource: number;
  family: ModelFamily;
  trial: number;
  storeUri: string;
  trackingUri: string;
  sharedVolume?: { claim: string; mountPath: string };
  env?: Record<string, string>;
  templates?: string;
}

/** The Job of one trial step, from `templates/kubernetes/trial-job.yaml`. */
export function trialJob(options: TrialJobOptions): V1Job {
  const job = parseYaml(
    readFileSync(join(options.templates ?? templatesDir(), 'kubernetes', 'trial-job.yaml'), 'utf8'),
  ) as V1Job;
  const suffix = createHash('sha256')
    .update(`${options.runId}/${options.resource}`)
    .digest('hex')
    .slice(0, 6);
  const name = `hp-trial-${options.runId.slice(0, 12)}-r${options.resource}-${suffix}`.toLowerCase();
  const labels = {
    ...job.metadata?.labels,
    'healthpredict.io/run-id': options.runId,
    'healthpredict.io/family': options.family,
  };
  job.metadata = { ...job.metadata, name, namespace: options.namespace, labels };
  const template = job.spec!.template;
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...labels } };
  const container = template.spec!.containers[0];
  container.image = options.image;
  container.args = [
    'train',
    '--trial-of',
    options.runId,
    '--resource',
    String(options.resource),
    '--store',
    options.storeUri,
    '--tracking-uri',
    options.trackingUri,
  ];
  container.env = Object.entries({ HEALTHPREDICT_QUIET: '1', ...options.env }).map(([envName, value]) => ({
    name: envName,
    value,
  }));
  if (options.sharedVolume) {
    template.spec!.volumes = [
      ...(template.spec!.volumes ?? []),
      { name: 'shared', persistentVolumeClaim: { claimName: options.sharedVolume.claim } },
    ];
    container.volumeMounts = [
      ...(container.volumeMounts ?? []),
      { name: 'shared', mountPath: options.sharedVolume.mountPath },
    ];
  }
  return job;
}

export interface TrialJobRunOptions {
  tracking: TrackingStore;
  splits: TrainingSplits;
  runId: string;
  resource: number;
}

export interface TrialJobResult {
  runId: string;
  family: ModelFamily;
  trial: number;
  resource: number;
  weights: string;
}

/**
 * The pod's side of a trial Job (`train --trial-of RUN_ID --resource N`): reads the trial's orders from its
 * run, prepares the same data from the shared store, trains to the resource and writes the weights back.
 */
export async function runTrialJob(options: TrialJobRunOptions): Promise<TrialJobResult> {
  let spec: TrialSpec;
  try {
    spec = JSON.parse((await options.tracking.readArtifact(options.runId, TRIAL_SPEC_PATH)).toString('utf8'));
  } catch {
    throw new UserError(
      `run ${options.runId} has no ${TRIAL_SPEC_PATH}, so it is not a trial of \`train --executor kubernetes\``,
      'run trial Jobs only as `train --hpo --executor kubernetes` starts them',
      EXIT_CODES.notFound,
    );
  }
  const data = prepareTrainingData(options.splits);
  const definition = familyDefinition(spec.family);
  const trainer = definition.create(data.train.matrix, data.train.labels, spec.params, {
    seed: spec.seed,
    threads: spec.threads,
  });
  try {
    await trainer.advanceTo(options.resource);
    const weights = trainer.weights();
    await options.tracking.logArtifact(options.runId, trialWeightsPath(options.resource), weights);
    return {
      runId: options.runId,
      family: spec.family,
      trial: spec.trial,
      resource: options.resource,
      weights: trialWeightsPath(options.resource),
    };
  } finally {
    trainer.dispose();
  }
}
