import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

/**
 * A replay of the MLflow 2.11.3 exchanges recorded in `shared/fixtures/mlflow-2.11.3/` (see its README): a
 * loopback HTTP server that is not an MLflow server. Each test queues the names of the exchanges it expects
 * the client to make; every request is compared with the next queued exchange (method, path, decoded query,
 * Content-Type and body), and answered with that exchange's recorded status, content type and body. A request
 * that does not match is answered 599 and listed in `mismatches`.
 */

export interface Exchange {
  name: string;
  method: string;
  path: string;
  query: Record<string, string> | null;
  request_headers: Record<string, string>;
  request_body: unknown;
  status: number;
  response_content_type: string;
  response_body: unknown;
}

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, '..', '..', '..', '..', 'shared', 'fixtures', 'mlflow-2.11.3');

export function loadExchanges(file = 'exchanges.jsonl'): Exchange[] {
  return readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Exchange);
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  body: Buffer;
}

export interface ReplayOptions {
  /** Compare only method and path, for tests about answers rather than requests. */
  lenient?: boolean;
  /** Exchanges compared by method and path only (a request the client sends differently on purpose). */
  lenientFor?: string[];
  /** Timestamp fields (≥ 1e12) compared as "present" only, for clients that stamp their own time. */
  ignoreTimestamps?: boolean;
}

export class RecordedExchangeReplay {
  readonly exchanges: Exchange[];
  readonly mismatches: string[] = [];
  readonly served: string[] = [];
  readonly received: ReceivedRequest[] = [];
  private readonly queued: Exchange[] = [];
  private server?: Server;
  url = '';

  constructor(
    exchanges: Exchange[],
    private readonly options: ReplayOptions = {},
  ) {
    this.exchanges = exchanges;
  }

  static async start(exchanges: Exchange[], options: ReplayOptions = {}): Promise<RecordedExchangeReplay> {
    const replay = new RecordedExchangeReplay(exchanges, options);
    replay.server = createServer((request, response) => {
      void replay.answer(request).then(({ status, contentType, body }) => {
        response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length });
        response.end(body);
      });
    });
    await new Promise<void>((resolve) => replay.server?.listen(0, '127.0.0.1', resolve));
    replay.url = `http://127.0.0.1:${(replay.server.address() as AddressInfo).port}`;
    return replay;
  }

  exchange(name: string): Exchange {
    const found = this.exchanges.find((item) => item.name === name);
    if (!found) throw new Error(`no recorded exchange named ${name}`);
    return found;
  }

  /** Expects these exchanges next, in this order. */
  queue(...names: string[]): void {
    this.queued.push(...names.map((name) => this.exchange(name)));
  }

  /** Names queued but not requested yet. */
  pending(): string[] {
    return this.queued.map((item) => item.name);
  }

  reset(): void {
    this.queued.length = 0;
    this.mismatches.length = 0;
    this.served.length = 0;
    this.received.length = 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async answer(
    request: IncomingMessage,
  ): Promise<{ status: number; contentType: string; body: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://replay');
    const received: ReceivedRequest = {
      method: request.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams.entries()),
      contentType: request.headers['content-type'],
      body: Buffer.concat(chunks),
    };
    this.received.push(received);

    const expected = this.queued.shift();
    const problem = expected ? this.compare(expected, received) : 'no exchange was queued';
    if (!expected || problem) {
      const what = `${received.method} ${received.path} ${JSON.stringify(received.query)}`;
      this.mismatches.push(
        `${expected?.name ?? '(none)'}: ${problem} — got ${what} ${received.body.toString('utf8').slice(0, 300)}`,
      );
      return {
        status: 599,
        contentType: 'application/json',
        body: Buffer.from(JSON.stringify({ error_code: 'REPLAY_MISMATCH', message: problem })),
      };
    }
    this.served.push(expected.name);
    return {
      status: expected.status,
      contentType: expected.response_content_type,
      body: responseBytes(expected),
    };
  }

  private compare(expected: Exchange, received: ReceivedRequest): string | undefined {
    if (expected.method !== received.method) return `method ${received.method}, recorded ${expected.method}`;
    if (expected.path !== received.path) return `path ${received.path}, recorded ${expected.path}`;
    if (this.options.lenient || this.options.lenientFor?.includes(expected.name)) return undefined;
    const query = expected.query ?? {};
    if (!isDeepStrictEqual(query, received.query)) {
      return `query ${JSON.stringify(received.query)}, recorded ${JSON.stringify(query)}`;
    }
    const contentType = expected.request_headers['Content-Type'];
    if (contentType !== received.contentType)
      return `Content-Type ${received.contentType}, recorded ${contentType}`;
    return this.compareBody(expected.request_body, received.body);
  }

  private compareBody(recorded: unknown, body: Buffer): string | undefined {
    if (recorded === null)
      return body.length === 0 ? undefined : `a body of ${body.length} bytes, recorded none`;
    const bytes = (recorded as { _bytes_base64?: string })._bytes_base64;
    if (bytes !== undefined) {
      return Buffer.from(bytes, 'base64').equals(body) ? undefined : `body bytes differ from the recording`;
    }
    let sent: unknown;
    try {
      sent = JSON.parse(body.toString('utf8'));
    } catch {
      return 'the body is not JSON';
    }
    const [left, right] = this.options.ignoreTimestamps
      ? [stampless(sent), stampless(recorded)]
      : [sent, recorded];
    return isDeepStrictEqual(left, right)
      ? undefined
      : `body ${JSON.stringify(sent).slice(0, 400)}, recorded ${JSON.stringify(recorded).slice(0, 400)}`;
  }
}

function responseBytes(exchange: Exchange): Buffer {
  const body = exchange.response_body as { _bytes_base64?: string; _text?: string };
  if (body._bytes_base64 !== undefined) return Buffer.from(body._bytes_base64, 'base64');
  if (body._text !== undefined) return Buffer.from(body._text, 'utf8');
  return Buffer.from(JSON.stringify(exchange.response_body));
}

/** The value with every epoch-ms number (≥ 1e12) replaced by "<ts>", as the normalized recording does. */
export function stampless(value: unknown): unknown {
  if (typeof value === 'number' && value >= 1e12) return '<ts>';
  if (Array.isArray(value)) return value.map(stampless);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, stampless(item)]));
  }
  return value;
}
