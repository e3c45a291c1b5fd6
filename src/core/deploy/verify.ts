import type { Cluster } from './cluster.js';
import type { ServedModel } from './manifests.js';
import { sleep } from './rollout.js';

/** What `GET /model-info` of `healthpredict serve` answers (the fields deploy checks). */
export interface ModelInfo {
  name?: string;
  version?: string | number;
  run_id?: string;
  [field: string]: unknown;
}

export interface VerifyOptions {
  cluster: Cluster;
  namespace: string;
  service: string;
  /** The Service port's name. */
  port: string;
  expected: ServedModel;
  /** Answers that must all name the expected version (the Service spreads them over the pods). */
  samples: number;
  deadline: number;
  pollMs: number;
  signal?: AbortSignal;
}

export interface Verification {
  verified: boolean;
  path: '/model-info';
  answers: ModelInfo[];
  /** Why it failed: a wrong model behind the Service, or no answer before the deadline. */
  failure?: 'wrong-version' | 'no-answer';
  message?: string;
}

/** Wrong answers tolerated before the check fails: a pod of the old revision may still be leaving. */
const WRONG_ANSWERS_ALLOWED = 2;

/**
 * Asks `/model-info` behind the Service, through the API server's service proxy, until `samples` answers in a
 * row name the expected model, version and run id. Errors (no endpoint yet) are retried until the deadline;
 * more than a couple of answers naming another version fail at once.
 */
export async function verifyServedModel(options: VerifyOptions): Promise<Verification> {
  const answers: ModelInfo[] = [];
  let inARow = 0;
  let wrong = 0;
  let lastError = '';
  for (;;) {
    try {
      const text = await options.cluster.getThroughService(
        options.namespace,
        options.service,
        options.port,
        'model-info',
      );
      const info = JSON.parse(text) as ModelInfo;
      answers.push(info);
      if (matches(info, options.expected)) {
        inARow += 1;
        if (inARow >= options.samples) return { verified: true, path: '/model-info', answers };
        continue;
      } else {
        inARow = 0;
        wrong += 1;
        if (wrong > WRONG_ANSWERS_ALLOWED) {
          return {
            verified: false,
            path: '/model-info',
            answers,
            failure: 'wrong-version',
            message:
              `/model-info behind Service ${options.namespace}/${options.service} answered ` +
              `${describe(info)}, not ${options.expected.name} version ${options.expected.version} ` +
              `(run ${options.expected.runId})`,
          };
        }
      }
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() >= options.deadline || options.signal?.aborted) {
      return {
        verified: false,
        path: '/model-info',
        answers,
        failure: 'no-answer',
        message: `/model-info behind Service ${options.namespace}/${options.service} gave no answer in time${lastError ? `: ${lastError}` : ''}`,
      };
    }
    await sleep(Math.min(options.pollMs, Math.max(0, options.deadline - Date.now())), options.signal);
  }
}

function matches(info: ModelInfo, expected: ServedModel): boolean {
  return (
    info.name === expected.name && String(info.version) === expected.version && info.run_id === expected.runId
  );
}

function describe(info: ModelInfo): string {
  return `${info.name ?? 'no name'} version ${info.version ?? 'none'} (run ${info.run_id ?? 'none'})`;
}
