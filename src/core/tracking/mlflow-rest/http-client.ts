import { EXIT_CODES, ExternalError, UserError } from '../../errors/index.js';
import { debugFor, info } from '../../util/log.js';

const debug = debugFor('mlflow');

/** Credentials as MLflow's own clients read them; Basic wins over the token when both are set, as there. */
export interface MlflowCredentials {
  token?: string;
  username?: string;
  password?: string;
}

/** MLflow's `MLFLOW_HTTP_REQUEST_*` settings, with its defaults. */
export interface RetryPolicy {
  /** Retries after the first attempt (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`, default 5). */
  maxRetries: number;
  /** Seconds; the n-th retry waits `factor * 2^(n-1)` (`MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR`, default 2). */
  backoffFactor: number;
  /** Seconds of random extra wait per retry (`MLFLOW_HTTP_REQUEST_BACKOFF_JITTER`, default 1). */
  backoffJitter: number;
  /** Seconds one attempt may take (`MLFLOW_HTTP_REQUEST_TIMEOUT`, default 120). */
  timeout: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, backoffFactor: 2, backoffJitter: 1, timeout: 120 };
/** urllib3's cap on one backoff wait, which MLflow's client inherits. */
const MAX_BACKOFF_SECONDS = 120;
/** Answers that mean "not now" rather than "no": rate limited, or a gateway or server unavailable. */
const RETRY_STATUSES = new Set([429, 502, 503, 504]);

export interface MlflowHttpOptions {
  credentials?: MlflowCredentials;
  retry?: Partial<RetryPolicy>;
  /** How to wait between retries (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

/** Reads the credentials and retry settings from the environment, as MLflow's Python client does. */
export function mlflowEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Required<Pick<MlflowHttpOptions, 'credentials' | 'retry'>> {
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw new UserError(`${name} must be a number ≥ 0, got "${raw}"`, `unset ${name} or give a number`);
    }
    return value;
  };
  return {
    credentials: {
      token: env.MLFLOW_TRACKING_TOKEN || undefined,
      username: env.MLFLOW_TRACKING_USERNAME || undefined,
      password: env.MLFLOW_TRACKING_PASSWORD || undefined,
    },
    retry: {
      maxRetries: Math.floor(number('MLFLOW_HTTP_REQUEST_MAX_RETRIES', DEFAULT_RETRY.maxRetries)),
      backoffFactor: number('MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', DEFAULT_RETRY.backoffFactor),
      backoffJitter: number('MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', DEFAULT_RETRY.backoffJitter),
      timeout: number('MLFLOW_HTTP_REQUEST_TIMEOUT', DEFAULT_RETRY.timeout),
    },
  };
}

/**
 * An answer of the server that is not a success. `errorCode` is MLflow's `error_code` when the body is
 * MLflow's JSON error; an HTML page (an unknown route, a wrong method, a proxy's page) has none. Callers tell
 * failures apart by `errorCode` and `status` only, never by the message, whose text MLflow does not keep
 * stable (it can hold SQL and server paths).
 */
export class MlflowApiError extends ExternalError {
  readonly errorCode?: string;
  readonly httpStatus: number;
  readonly endpoint: string;
  readonly serverMessage: string;

  constructor(endpoint: string, httpStatus: number, errorCode: string | undefined, serverMessage: string) {
    super(
      'MLflow',
      `${endpoint} answered ${httpStatus}${errorCode ? ` ${errorCode}` : ''}: ${firstLine(serverMessage)}`,
      {
        status: httpStatus,
      },
    );
    this.name = 'MlflowApiError';
    this.errorCode = errorCode;
    this.httpStatus = httpStatus;
    this.endpoint = endpoint;
    this.serverMessage = serverMessage;
  }
}

export function isMlflowError(error: unknown, ...codes: string[]): error is MlflowApiError {
  return error instanceof MlflowApiError && (codes.length === 0 || codes.includes(error.errorCode ?? ''));
}

export type JsonObject = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * The HTTP side of MLflow's REST API 2.0: JSON calls (a GET sends its parameters as the query string, every
 * other method as a JSON body with `Content-Type: application/json`, which the server requires), and raw
 * bytes for the artifact proxy. A 429, 502, 503 or 504 answer and a connection error or timeout are retried
 * with exponential backoff and jitter, honouring `Retry-After`; any other answer is final.
 *
 * Known limit: a retried POST that had reached the server before the connection broke is applied twice, as
 * with MLflow's own client (a second run, say); the runs of a failed command are then ended FAILED.
 */
export class MlflowHttpClient {
  readonly baseUrl: string;
  private readonly authorization?: string;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(baseUrl: string, options: MlflowHttpOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.authorization = authorizationHeader(options.credentials ?? {});
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  /** One call of the JSON API: `endpoint` is the path after `/api/2.0/`, such as `mlflow/runs/get`. */
  async call(method: Exclude<Method, 'PUT'>, endpoint: string, params: JsonObject = {}): Promise<JsonObject> {
    const path = `/api/2.0/${endpoint}`;
    const response =
      method === 'GET'
        ? await this.send(method, `${path}${queryString(params)}`)
        : await this.send(method, path, {
            body: Buffer.from(toJson(params)),
            contentType: 'application/json',
          });
    return parseAnswer(path, response) as JsonObject;
  }

  /** Uploads raw bytes (`PUT`), for the artifact proxy. */
  async put(path: string, data: Uint8Array, contentType: string): Promise<void> {
    parseAnswer(path, await this.send('PUT', path, { body: data, contentType }));
  }

  /** Downloads raw bytes (`GET`), for the artifact proxy. */
  async download(path: string): Promise<Buffer> {
    const response = await this.send('GET', path);
    if (response.status !== 200) parseAnswer(path, response);
    return response.body;
  }

  /** A plain-text endpoint such as `/health` or `/version`. */
  async text(path: string): Promise<string> {
    const response = await this.send('GET', path);
    if (response.status !== 200) parseAnswer(path, response);
    return response.body.toString('utf8');
  }

  private async send(
    method: Method,
    path: string,
    payload?: { body: Uint8Array; contentType: string },
  ): Promise<RawResponse> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = {};
    if (payload) headers['Content-Type'] = payload.contentType;
    if (this.authorization) headers.Authorization = this.authorization;

    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: payload?.body as BodyInit | undefined,
          signal: AbortSignal.timeout(this.retry.timeout * 1000),
        });
      } catch (error) {
        const reason = connectionFailure(error);
        if (reason === 'bad port') {
          throw new UserError(
            `${this.baseUrl} uses a port that Node's HTTP client refuses to connect to (kept for other protocols)`,
            'serve MLflow on another port, such as 5000, and set MLFLOW_TRACKING_URI to it',
            EXIT_CODES.usage,
          );
        }
        if (attempt < this.retry.maxRetries) {
          await this.wait(attempt, undefined, `${method} ${path}: ${reason}`);
          continue;
        }
        throw new ExternalError('MLflow', `cannot reach ${this.baseUrl} (${method} ${path}): ${reason}`, {
          status: reason,
        });
      }

      const body = Buffer.from(await response.arrayBuffer());
      if (RETRY_STATUSES.has(response.status) && attempt < this.retry.maxRetries) {
        await this.wait(
          attempt,
          response.headers.get('retry-after'),
          `${method} ${path}: ${response.status}`,
        );
        continue;
      }
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
    }
  }

  private async wait(attempt: number, retryAfter: string | null | undefined, why: string): Promise<void> {
    const backoff = Math.min(this.retry.backoffFactor * 2 ** attempt, MAX_BACKOFF_SECONDS);
    const asked = retryAfterSeconds(retryAfter);
    const seconds = (asked ?? backoff) + Math.random() * this.retry.backoffJitter;
    info(
      `MLflow: ${why}; retrying in ${seconds.toFixed(1)} s (attempt ${attempt + 2} of ${this.retry.maxRetries + 1})`,
    );
    debug(
      'retrying %s in %d ms (attempt %d of %d)',
      why,
      Math.round(seconds * 1000),
      attempt + 2,
      this.retry.maxRetries + 1,
    );
    await this.sleep(seconds * 1000);
  }
}

/** The JSON of a 200 answer, or the answer as an `MlflowApiError`. */
function parseAnswer(endpoint: string, response: RawResponse): unknown {
  const text = response.body.toString('utf8');
  const json = response.contentType.includes('json') ? tryParse(text) : undefined;
  if (response.status === 200) {
    if (json === undefined) {
      throw new MlflowApiError(endpoint, 200, undefined, `the answer is not JSON: ${text.slice(0, 200)}`);
    }
    return json;
  }
  const error = json as { error_code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.error_code === 'string' ? error.error_code : undefined;
  const message = typeof error?.message === 'string' ? error.message : describeHtml(text, response.status);
  throw new MlflowApiError(endpoint, response.status, code, message);
}

/**
 * JSON as MLflow's protobuf mapping writes it: a non-finite double is the string "NaN", "Infinity" or
 * "-Infinity" (plain JSON has no such numbers, and `JSON.stringify` would write null).
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'number' && !Number.isFinite(item) ? String(item) : item,
  );
}

/**
 * A GET's parameters as MLflow's client sends them: repeated fields as repeated keys, everything else as its
 * string, percent-encoded (spaces as %20, as Python's `quote`).
 */
export function queryString(params: JsonObject): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      parts.push(`${quote(key)}=${quote(String(item))}`);
    }
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Python's `quote(text, safe='')`: everything but letters, digits and `_.-~` is percent-encoded. */
function quote(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function authorizationHeader(credentials: MlflowCredentials): string | undefined {
  if (credentials.username && credentials.password) {
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }
  return credentials.token ? `Bearer ${credentials.token}` : undefined;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The title of an HTML error page (`405 Method Not Allowed`), or the start of a plain body. */
function describeHtml(text: string, status: number): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  return title ?? (text.trim().slice(0, 200) || `HTTP ${status}`);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** The errno-like code of a failed fetch (`ECONNREFUSED`, `ECONNRESET`, `TimeoutError`). */
function connectionFailure(error: unknown): string {
  const failure = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (failure.name === 'TimeoutError') return 'timed out (MLFLOW_HTTP_REQUEST_TIMEOUT)';
  return failure.cause?.code ?? failure.cause?.message ?? failure.message ?? String(error);
}

function retryAfterSeconds(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(Math.max(seconds, 0), MAX_BACKOFF_SECONDS);
  const date = Date.parse(header);
  return Number.isFinite(date)
    ? Math.min(Math.max((date - Date.now()) / 1000, 0), MAX_BACKOFF_SECONDS)
    : undefined;
}
