import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { parse as parseYaml } from 'yaml';

import { EXIT_CODES, UserError } from '../errors/index.js';

/**
 * Resolved configuration. Precedence: flags, then environment (`HEALTHPREDICT_*` and the ecosystem's own
 * variables such as `MLFLOW_TRACKING_URI`), then `healthpredict.config.{json,yaml}` in the working directory
 * (or the file `--config` names), then the defaults below.
 */
export interface Config {
  /** Object store for data, processed splits, reports and charts. */
  store: string;
  /** Tracking and registry store: a directory in MLflow's FileStore layout. */
  trackingUri: string;
  /** The raw data set: a path, `.gz`, `.zip` or `https://` URL. */
  data: string;
  /** Directory where downloaded data sets are cached. */
  cacheDir: string;
  target: 'any' | 'within30';
  seed: number;
  /** Threads for XGBoost and parallel trials. */
  threads: number;
  /** Trials per model family in `train --hpo`. */
  hpoTrials: number;
  maxAucDrop: number;
  driftShare: number;
  batches: number;
  /** Endpoint of an S3-compatible service instead of AWS (path-style addressing is then used). */
  s3Endpoint: string;
  /** AWS region for S3 and ECR; empty means the SDK's own chain (AWS_REGION, profile). */
  awsRegion: string;
  /** Image registry for `build --push` and `push`: `host[:port]/repository` or an ECR repository URI. */
  registry: string;
  /** Kubernetes context for `deploy`; empty means the kubeconfig's current context. */
  kubeContext: string;
  /** Kubernetes namespace for `deploy` and Kubernetes trials. */
  namespace: string;
}

export type ConfigKey = keyof Config;
export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export interface ResolvedConfig {
  values: Config;
  sources: Record<ConfigKey, { source: ConfigSource; detail?: string }>;
  file?: string;
}

export const UCI_DATA_URL =
  'https://archive.ics.uci.edu/static/public/296/diabetes+130-us+hospitals+for+years+1999-2008.zip';

export const DEFAULTS: Config = {
  store: './.healthpredict/store',
  trackingUri: './mlruns',
  data: UCI_DATA_URL,
  cacheDir: `${process.env.HOME ?? '.'}/.cache/healthpredict`,
  target: 'any',
  seed: 42,
  threads: 2,
  hpoTrials: 20,
  maxAucDrop: 0.02,
  driftShare: 0.5,
  batches: 5,
  s3Endpoint: '',
  awsRegion: '',
  registry: '',
  kubeContext: '',
  namespace: 'default',
};

/** Environment variables read for each key, first one set wins. */
export const ENVIRONMENT: Record<ConfigKey, string[]> = {
  store: ['HEALTHPREDICT_STORE'],
  trackingUri: ['HEALTHPREDICT_TRACKING_URI', 'MLFLOW_TRACKING_URI'],
  data: ['HEALTHPREDICT_DATA'],
  cacheDir: ['HEALTHPREDICT_CACHE_DIR'],
  target: ['HEALTHPREDICT_TARGET'],
  seed: ['HEALTHPREDICT_SEED'],
  threads: ['HEALTHPREDICT_THREADS'],
  hpoTrials: ['HEALTHPREDICT_HPO_TRIALS'],
  maxAucDrop: ['HEALTHPREDICT_MAX_AUC_DROP'],
  driftShare: ['HEALTHPREDICT_DRIFT_SHARE'],
  batches: ['HEALTHPREDICT_BATCHES'],
  s3Endpoint: ['HEALTHPREDICT_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
  awsRegion: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  registry: ['HEALTHPREDICT_REGISTRY'],
  kubeContext: ['HEALTHPREDICT_KUBE_CONTEXT'],
  namespace: ['HEALTHPREDICT_NAMESPACE'],
};

const CONFIG_FILES = ['healthpredict.config.json', 'healthpredict.config.yaml', 'healthpredict.config.yml'];

export interface LoadConfigOptions {
  /** Values given as flags; undefined means not given. */
  flags?: Partial<Config>;
  /** An explicit configuration file (`--config`). */
  configFile?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadConfigOptions = {}): ResolvedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const { file, values: fileValues } = readConfigFile(cwd, options.configFile);

  const values = { ...DEFAULTS } as Record<ConfigKey, unknown>;
  const sources = {} as ResolvedConfig['sources'];
  for (const key of Object.keys(DEFAULTS) as ConfigKey[]) {
    const flag = options.flags?.[key];
    const envName = ENVIRONMENT[key].find((name) => env[name] !== undefined && env[name] !== '');
    if (flag !== undefined) {
      if (typeof flag === 'number') checkNumber(key, flag, `the flag for ${key}`);
      values[key] = flag;
      sources[key] = { source: 'flag' };
    } else if (envName) {
      values[key] = coerce(key, env[envName] as string, `environment variable ${envName}`);
      sources[key] = { source: 'env', detail: envName };
    } else if (fileValues[key] !== undefined) {
      values[key] = coerce(key, fileValues[key], `${file} field "${key}"`);
      sources[key] = { source: 'file', detail: file };
    } else {
      sources[key] = { source: 'default' };
    }
  }

  return { values: values as unknown as Config, sources, file };
}

function readConfigFile(cwd: string, explicit?: string): { file?: string; values: Record<string, unknown> } {
  const file = explicit
    ? resolve(cwd, explicit)
    : CONFIG_FILES.map((name) => resolve(cwd, name)).find((path) => existsSync(path));
  if (!file) return { values: {} };
  if (!existsSync(file)) {
    throw new UserError(
      `the configuration file ${file} does not exist`,
      'fix the --config path',
      EXIT_CODES.badInput,
    );
  }

  let parsed: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    parsed = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UserError(
      `the configuration file ${file} cannot be parsed: ${(error as Error).message.split('\n')[0]}`,
      'fix its syntax (JSON or YAML)',
      EXIT_CODES.badInput,
    );
  }
  if (parsed === null || parsed === undefined) return { file, values: {} };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserError(
      `the configuration file ${file} must hold an object`,
      'write key: value pairs',
      EXIT_CODES.badInput,
    );
  }

  const values = parsed as Record<string, unknown>;
  const unknown = Object.keys(values).filter((key) => !(key in DEFAULTS));
  if (unknown.length > 0) {
    throw new UserError(
      `the configuration file ${file} has unknown field "${unknown[0]}"`,
      `use only: ${Object.keys(DEFAULTS).join(', ')}`,
      EXIT_CODES.badInput,
    );
  }
  return { file, values };
}

/** The range and kind each numeric key must have, wherever its value came from. */
const NUMBER_RULES: Partial<Record<ConfigKey, { integer: boolean; min: number; max: number }>> = {
  seed: { integer: true, min: 0, max: 2 ** 31 - 1 },
  threads: { integer: true, min: 1, max: 256 },
  hpoTrials: { integer: true, min: 1, max: 10_000 },
  maxAucDrop: { integer: false, min: 0, max: 1 },
  driftShare: { integer: false, min: 0, max: 1 },
  batches: { integer: true, min: 1, max: 99 },
};

function coerce(key: ConfigKey, raw: unknown, where: string): unknown {
  const expected = typeof DEFAULTS[key];
  if (expected === 'number') {
    const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isFinite(value) || String(raw).trim() === '') {
      throw new UserError(`${where} must be a number, got "${String(raw)}"`, `set ${key} to a number`);
    }
    checkNumber(key, value, where);
    return value;
  }
  if (key === 'target' && raw !== 'any' && raw !== 'within30') {
    throw new UserError(
      `${where} must be "any" or "within30", got "${String(raw)}"`,
      'set target to any or within30',
    );
  }
  return String(raw);
}

function checkNumber(key: ConfigKey, value: number, where: string): void {
  const rule = NUMBER_RULES[key];
  if (!rule) return;
  const kind = rule.integer ? 'a whole number' : 'a number';
  if ((rule.integer && !Number.isInteger(value)) || value < rule.min || value > rule.max) {
    throw new UserError(
      `${where} must be ${kind} from ${rule.min} to ${rule.max}, got ${value}`,
      `set ${key} within that range`,
    );
  }
}
