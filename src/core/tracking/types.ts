/**
 * The tracking interface: experiments, runs, metrics, params, tags and artifacts, named as MLflow names them.
 * The MLflow FileStore directory (`./mlruns`) is the embedded implementation.
 */

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  creationTime: number;
  lastUpdateTime: number;
  tags: Record<string, string>;
}

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: 'active' | 'deleted';
}

export interface Run {
  info: RunInfo;
  /** The latest value of each metric. */
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface CreateRunInput {
  experimentId: string;
  runName: string;
  tags?: Record<string, string>;
  /** Sets the `mlflow.parentRunId` tag. */
  parentRunId?: string;
  startTime?: number;
  /** The run's `user_id`; default the `mlflow.user` tag. */
  userId?: string;
}

export interface LogBatchInput {
  metrics?: MetricPoint[];
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
}

export interface SearchRunsInput {
  experimentIds: string[];
  /** Only runs whose tags have these exact values. */
  tags?: Record<string, string>;
  /** Order by this metric, descending; runs without it come last. */
  orderByMetricDesc?: string;
  status?: RunStatus[];
}

export interface TrackingStore {
  /** The store's URI, for messages (`file:///…/mlruns`). */
  readonly uri: string;
  getExperimentByName(name: string): Promise<Experiment | undefined>;
  /** Returns the active experiment of that name, creating it when there is none. */
  getOrCreateExperiment(name: string, tags?: Record<string, string>): Promise<Experiment>;
  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  logBatch(runId: string, batch: LogBatchInput): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  /** Ends a run: FINISHED, FAILED or KILLED, with an end time. */
  updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void>;
  getMetricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  searchRuns(input: SearchRunsInput): Promise<Run[]>;
  /** Writes one artifact file at a path relative to the run's artifact root (`model/MLmodel`). */
  logArtifact(runId: string, path: string, data: string | Uint8Array): Promise<void>;
  /** Reads one artifact file of a run. */
  readArtifact(runId: string, path: string): Promise<Buffer>;
  /** Artifact paths under a directory of the run, relative to the artifact root. */
  listArtifacts(runId: string, path?: string): Promise<string[]>;
}
