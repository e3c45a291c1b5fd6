import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT_CODES, ExternalError, UserError } from '../../../src/core/errors/index.js';
import { storeError } from '../../../src/core/tracking/mlflow-rest/errors.js';
import {
  logBatchChunks,
  MlflowApiError,
  MlflowHttpClient,
  mlflowEnvironment,
  openMlflowServer,
} from '../../../src/core/tracking/mlflow-rest/index.js';
import type { MetricPoint } from '../../../src/core/tracking/types.js';
import { loadExchanges, RecordedExchangeReplay, type Exchange } from './recorded-replay.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const exchanges = loadExchanges();
const recorded = (name: string): Exchange => exchanges.find((e) => e.name === name) as Exchange;

interface Stub {
  url: string;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close: () => Promise<void>;
}

/** A loopback HTTP server whose answers the test writes, for retries, credentials and limits. */
async function stub(handler: (index: number, body: string, response: ServerResponse) => void): Promise<Stub> {
  const requests: Stub['requests'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      handler(requests.length - 1, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

describe('every recorded answer', () => {
  let replay: RecordedExchangeReplay;
  beforeAll(async () => {
    replay = await RecordedExchangeReplay.start(exchanges);
  });
  afterAll(async () => {
    await replay.close();
  });

  /** Sends the recorded request as the HTTP client sends such a request. */
  async function send(http: MlflowHttpClient, exchange: Exchange): Promise<unknown> {
    const body = exchange.request_body as Json | null;
    if (exchange.path === '/health' || exchange.path === '/version') return http.text(exchange.path);
    if (exchange.method === 'PUT') {
      const bytes = Buffer.from(body?._bytes_base64 as string, 'base64');
      return http.put(exchange.path, bytes, exchange.request_headers['Content-Type']);
    }
    if (exchange.path.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) return http.download(exchange.path);
    const endpoint = exchange.path.replace('/api/2.0/', '');
    const method = exchange.method as 'GET' | 'POST' | 'PATCH' | 'DELETE';
    return http.call(method, endpoint, (method === 'GET' ? exchange.query : body) ?? {});
  }

  // The client never sends text/plain; that one request is sent as JSON and only its answer is checked.
  const strict = exchanges.filter((e) => e.name !== 'wrong_content_type');

  it.each(strict.map((e) => [e.name, e] as const))(
    '%s is read as the recorded result or error',
    async (_name, exchange) => {
      replay.reset();
      replay.queue(exchange.name);
      const http = new MlflowHttpClient(replay.url, { retry: { maxRetries: 0 } });
      const outcome = await send(http, exchange).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      expect(replay.mismatches).toEqual([]);

      const body = exchange.response_body as Json;
      if (exchange.status === 200) {
        expect(outcome).not.toHaveProperty('error');
        const value = (outcome as { value: unknown }).value;
        if (body._bytes_base64 !== undefined)
          expect(value).toEqual(Buffer.from(body._bytes_base64, 'base64'));
        else if (body._text !== undefined) expect(value).toBe(body._text);
        else if (exchange.method !== 'PUT') expect(value).toEqual(body);
        return;
      }
      const error = (outcome as { error: unknown }).error;
      expect(error).toBeInstanceOf(MlflowApiError);
      expect((error as MlflowApiError).httpStatus).toBe(exchange.status);
      // The HTML pages (wrong route, wrong method) carry no error_code.
      expect((error as MlflowApiError).errorCode).toBe(body.error_code);
    },
  );

  it('wrong_content_type: the 400 of a request without application/json is INVALID_PARAMETER_VALUE', async () => {
    const lenient = await RecordedExchangeReplay.start(exchanges, { lenient: true });
    lenient.queue('wrong_content_type');
    const http = new MlflowHttpClient(lenient.url, { retry: { maxRetries: 0 } });
    const error = await http
      .call('POST', 'mlflow/runs/create', { experiment_id: '1', run_name: 'x' })
      .catch((e: unknown) => e);
    expect((error as MlflowApiError).errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(lenient.received[0].contentType).toBe('application/json');
    await lenient.close();
  });

  it('sorts the recorded errors by error_code and status into user and external errors', () => {
    const errors = exchanges.filter((e) => e.status !== 200);
    const kinds = Object.fromEntries(
      errors.map((e) => {
        const body = e.response_body as Json;
        const error = storeError(
          new MlflowApiError(e.path, e.status, body.error_code, body.message ?? ''),
          'http://mlflow',
          'act',
        );
        return [
          e.name,
          error instanceof UserError
            ? `user ${error.exitCode}`
            : `external ${(error as ExternalError).exitCode}`,
        ];
      }),
    );
    // README quirk 11: 404 RESOURCE_DOES_NOT_EXIST, 400 RESOURCE_ALREADY_EXISTS / INVALID_PARAMETER_VALUE,
    // 500 INTERNAL_ERROR; quirk 12: HTML 404 and 405.
    expect(kinds).toEqual({
      exp_get_by_name_missing: 'user 4',
      exp_create_duplicate: 'user 2',
      exp_set_tag_value_5001: 'user 2',
      run_create_name_mismatch: 'user 2',
      run_log_param_changed_value: 'user 2',
      run_update_bad_id: 'user 4',
      run_get_bad_id: 'user 4',
      log_batch_101_params: 'user 2',
      log_batch_1001_metrics: 'user 2',
      log_batch_1001_entities: 'user 2',
      artifact_download_missing: 'external 70',
      rm_get_latest_production_no_model: 'user 4',
      rm_create_duplicate: 'user 2',
      mv_create_unknown_model: 'user 4',
      mv_transition_bad_stage: 'user 2',
      alias_get_missing: 'user 2',
      alias_get_after_delete: 'user 2',
      mv_get_deleted_1: 'user 4',
      rm_get_missing: 'user 4',
      wrong_route: 'external 70',
      wrong_method: 'external 70',
      wrong_content_type: 'user 2',
    });
  });

  it('says that a server without the route is not an MLflow 2.x server (wrong_route)', () => {
    const e = recorded('wrong_route');
    const error = storeError(
      new MlflowApiError(e.path, 404, undefined, '404 Not Found'),
      'http://mlflow',
      'act',
    );
    expect(error.message).toContain('must name an MLflow 2.x tracking server');
  });
});

describe('retries', () => {
  const fast = { backoffFactor: 0, backoffJitter: 0 };

  it('retries 503 and 429 with exponential backoff, honouring Retry-After', async () => {
    const server = await stub((index, _body, response) => {
      if (index === 0) return json(response, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
      if (index === 1)
        return json(
          response,
          429,
          { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' },
          { 'Retry-After': '7' },
        );
      json(response, 200, recorded('run_get').response_body);
    });
    const waits: number[] = [];
    const http = new MlflowHttpClient(server.url, {
      retry: { maxRetries: 3, backoffFactor: 2, backoffJitter: 0 },
      sleep: async (ms) => void waits.push(ms),
    });
    const answer = await http.call('GET', 'mlflow/runs/get', { run_id: 'abc' });
    expect((answer.run as Json).info.run_name).toBe('xgboost_hpo_best');
    expect(server.requests).toHaveLength(3);
    // Backoff factor 2: the first retry waits 2 s; the second waits what Retry-After asked, 7 s.
    expect(waits).toEqual([2000, 7000]);
    await server.close();
  });

  it('does not retry a 4xx answer', async () => {
    for (const status of [400, 404]) {
      const server = await stub((_index, _body, response) =>
        json(response, status, { error_code: 'INVALID_PARAMETER_VALUE', message: 'no' }),
      );
      const http = new MlflowHttpClient(server.url, { retry: { maxRetries: 5, ...fast } });
      await expect(http.call('POST', 'mlflow/runs/create', {})).rejects.toBeInstanceOf(MlflowApiError);
      expect(server.requests).toHaveLength(1);
      await server.close();
    }
  });

  it('retries connection errors, then reports that the server cannot be reached', async () => {
    const server = await stub(() => undefined);
    const url = server.url;
    await server.close();
    const waits: number[] = [];
    const http = new MlflowHttpClient(url, {
      retry: { maxRetries: 2, backoffFactor: 1, backoffJitter: 0 },
      sleep: async (ms) => void waits.push(ms),
    });
    const error = await http.call('GET', 'mlflow/runs/get', { run_id: 'abc' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as ExternalError).message).toContain(`cannot reach ${url}`);
    expect((error as ExternalError).message).toContain('ECONNREFUSED');
    expect(waits).toEqual([1000, 2000]);
  });

  it('reads MLflow’s own settings from the environment, with MLflow’s defaults', () => {
    expect(mlflowEnvironment({}).retry).toEqual({
      maxRetries: 5,
      backoffFactor: 2,
      backoffJitter: 1,
      timeout: 120,
    });
    const set = mlflowEnvironment({
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0.5',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '9',
      MLFLOW_TRACKING_TOKEN: 'tok',
    });
    expect(set).toEqual({
      credentials: { token: 'tok', username: undefined, password: undefined },
      retry: { maxRetries: 1, backoffFactor: 0, backoffJitter: 0.5, timeout: 9 },
    });
    expect(() => mlflowEnvironment({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'many' })).toThrow(UserError);
  });
});

describe('credentials', () => {
  it('sends MLFLOW_TRACKING_TOKEN as Bearer, and username and password as Basic, Basic winning as in MLflow', async () => {
    const server = await stub((_index, _body, response) =>
      json(response, 200, recorded('exp_get').response_body),
    );
    const cases: [NodeJS.ProcessEnv, string | undefined][] = [
      [{}, undefined],
      [{ MLFLOW_TRACKING_TOKEN: 'secret-token' }, 'Bearer secret-token'],
      [
        { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pw' },
        `Basic ${Buffer.from('ann:pw').toString('base64')}`,
      ],
      [
        {
          MLFLOW_TRACKING_TOKEN: 'secret-token',
          MLFLOW_TRACKING_USERNAME: 'ann',
          MLFLOW_TRACKING_PASSWORD: 'pw',
        },
        `Basic ${Buffer.from('ann:pw').toString('base64')}`,
      ],
    ];
    for (const [env] of cases) await openMlflowServer(server.url, { env }).tracking.getExperiment('1');
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(cases.map(([, header]) => header));
    await server.close();
  });

  it('takes credentials written into the URI and keeps them out of the URI it shows', async () => {
    const server = await stub((_index, _body, response) =>
      json(response, 200, recorded('exp_get').response_body),
    );
    const { tracking } = openMlflowServer(server.url.replace('http://', 'http://bob:p%40ss@'), { env: {} });
    await tracking.getExperiment('1');
    expect(server.requests[0].headers.authorization).toBe(
      `Basic ${Buffer.from('bob:p@ss').toString('base64')}`,
    );
    expect(tracking.uri).toBe(server.url);
    await server.close();
  });

  it('turns 401 and 403 into a user error that names the variables', async () => {
    const server = await stub((index, _body, response) =>
      index === 0
        ? (response.writeHead(401, { 'Content-Type': 'text/html' }),
          response.end('You are not authenticated.'))
        : json(response, 403, { error_code: 'PERMISSION_DENIED', message: 'Permission denied' }),
    );
    const { tracking } = openMlflowServer(server.url, { env: {}, retry: { maxRetries: 0 } });
    for (let i = 0; i < 2; i += 1) {
      const error = await tracking.getExperimentByName('x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).fix).toContain('MLFLOW_TRACKING_TOKEN');
    }
    await server.close();
  });
});

describe('log-batch limits', () => {
  const metric = (i: number): MetricPoint => ({
    key: 'loss',
    value: 1 / (i + 1),
    timestamp: 1796285147000,
    step: i,
  });
  const entries = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: String(i) }));
  const sizes = (chunks: ReturnType<typeof logBatchChunks>) =>
    chunks.map((c) => [c.params.length, c.tags.length, c.metrics.length]);

  it('cuts batches at 100 params, 100 tags, 1,000 metrics and 1,000 entities (the three recorded 400s)', () => {
    // log_batch_101_params, log_batch_1001_metrics and log_batch_1001_entities were each refused whole.
    expect(sizes(logBatchChunks([], entries(101, 'p'), []))).toEqual([
      [100, 0, 0],
      [1, 0, 0],
    ]);
    expect(
      sizes(
        logBatchChunks(
          Array.from({ length: 1001 }, (_, i) => metric(i)),
          [],
          [],
        ),
      ),
    ).toEqual([
      [0, 0, 1000],
      [0, 0, 1],
    ]);
    expect(
      sizes(
        logBatchChunks(
          Array.from({ length: 901 }, (_, i) => metric(i)),
          entries(100, 'p'),
          [],
        ),
      ),
    ).toEqual([
      [100, 0, 900],
      [0, 0, 1],
    ]);
    expect(sizes(logBatchChunks([metric(0)], entries(10, 'p'), entries(250, 't')))).toEqual([
      [10, 100, 1],
      [0, 100, 0],
      [0, 50, 0],
    ]);
  });

  it('sends a large batch as requests a server enforcing the recorded limits accepts, in order', async () => {
    const refusals = ['log_batch_101_params', 'log_batch_1001_metrics', 'log_batch_1001_entities'].map(
      (name) => recorded(name).response_body,
    );
    const server = await stub((_index, body, response) => {
      const request = JSON.parse(body) as Json;
      const [p, t, m] = [
        request.params?.length ?? 0,
        request.tags?.length ?? 0,
        request.metrics?.length ?? 0,
      ];
      if (p > 100) return json(response, 400, refusals[0]);
      if (m > 1000) return json(response, 400, refusals[1]);
      if (p + t + m > 1000) return json(response, 400, refusals[2]);
      json(response, 200, {});
    });
    const { tracking } = openMlflowServer(server.url, { env: {}, retry: { maxRetries: 0 } });
    const params = Object.fromEntries(entries(250, 'p').map((e) => [e.key, e.value]));
    const metrics = Array.from({ length: 2500 }, (_, i) => metric(i));
    await tracking.logBatch('f097382213334244bc20f6f89855e635', { params, metrics });
    const sent = server.requests.map((r) => JSON.parse(r.body) as Json);
    expect(sent).toHaveLength(3);
    expect(sent.flatMap((r) => (r.metrics ?? []).map((m: Json) => m.step))).toEqual(
      metrics.map((m) => m.step),
    );
    expect(sent.flatMap((r) => (r.params ?? []).map((p: Json) => p.key))).toEqual(Object.keys(params));
    await server.close();
  });
});

describe('exit codes of store errors', () => {
  it('keeps server failures external and not-found errors at the not-found exit code', () => {
    const failing = storeError(new MlflowApiError('/x', 500, 'INTERNAL_ERROR', 'boom'), 'http://m', 'act');
    expect(failing).toBeInstanceOf(ExternalError);
    const missing = storeError(
      new MlflowApiError('/x', 404, 'RESOURCE_DOES_NOT_EXIST', 'gone'),
      'http://m',
      'act',
    );
    expect((missing as UserError).exitCode).toBe(EXIT_CODES.notFound);
  });
});
