import { UserError } from '../../errors/index.js';
import type { S3Options } from '../../storage/s3-client.js';
import { MlflowHttpClient, mlflowEnvironment, type MlflowHttpOptions } from './http-client.js';
import { MlflowRestModelRegistry } from './registry.js';
import { MlflowRestTrackingStore } from './tracking-store.js';

export {
  MlflowApiError,
  MlflowHttpClient,
  isMlflowError,
  mlflowEnvironment,
  DEFAULT_RETRY,
} from './http-client.js';
export type { MlflowCredentials, MlflowHttpOptions, RetryPolicy } from './http-client.js';
export {
  MlflowRestTrackingStore,
  type MlflowSearchRunsInput,
  type SearchExperimentsInput,
} from './tracking-store.js';
export { MlflowRestModelRegistry } from './registry.js';
export { logBatchChunks, LOG_BATCH_LIMITS } from './log-batch-chunks.js';

export interface MlflowServerOptions extends MlflowHttpOptions {
  /** Where `MLFLOW_TRACKING_TOKEN`, `MLFLOW_TRACKING_USERNAME`/`PASSWORD` and `MLFLOW_HTTP_REQUEST_*` are read. */
  env?: NodeJS.ProcessEnv;
  /** How to reach S3 when the server's artifact root is a bucket it does not proxy. */
  s3?: S3Options;
}

export interface MlflowServer {
  tracking: MlflowRestTrackingStore;
  registry: MlflowRestModelRegistry;
}

/**
 * The tracking store and registry of an MLflow server at an `http(s)://` URI, with the credentials and retry
 * settings of the environment (explicit options win). Credentials written into the URI
 * (`https://user:secret@host`) are used as Basic credentials and kept out of the URI shown in messages.
 */
export function openMlflowServer(uri: string, options: MlflowServerOptions = {}): MlflowServer {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new UserError(`the tracking URI "${uri}" is not a valid URL`, 'write it as http://host:5000');
  }
  const environment = mlflowEnvironment(options.env ?? process.env);
  const inUri =
    url.username && url.password
      ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : {};
  url.username = '';
  url.password = '';
  const httpOptions: MlflowHttpOptions = {
    credentials: { ...environment.credentials, ...inUri, ...options.credentials },
    retry: { ...environment.retry, ...options.retry },
    sleep: options.sleep,
  };
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const http = new MlflowHttpClient(base, httpOptions);
  const tracking = new MlflowRestTrackingStore(http, {
    httpFor: (baseUrl) => new MlflowHttpClient(baseUrl, httpOptions),
    s3: options.s3,
  });
  return { tracking, registry: new MlflowRestModelRegistry(http, tracking, { sleep: options.sleep }) };
}
