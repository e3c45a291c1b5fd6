import { request } from 'node:http';

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
}

export async function get(url: string): Promise<Answer> {
  return answerOf(await fetch(url));
}

/** POSTs `body` (an object is sent as JSON) with `application/json` unless `contentType` says otherwise. */
export async function post(
  url: string,
  body: unknown,
  contentType: string | null = 'application/json',
): Promise<Answer> {
  const headers: Record<string, string> = contentType === null ? {} : { 'content-type': contentType };
  // A Buffer body goes without any content type; fetch would label a string text/plain.
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return answerOf(await fetch(url, { method: 'POST', headers, body: payload }));
}

/**
 * A POST whose body is sent in two parts: the first now, the rest when `finish` is called, so that the request
 * is in flight in between (the server has it but cannot answer yet).
 */
export function postInTwoParts(url: string, body: string): { finish(): void; answer: Promise<Answer> } {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const target = new URL(url);
  let finish = () => {};
  const answer = new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': bytes.length },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text,
            json,
          });
        });
      },
    );
    req.on('error', reject);
    req.write(bytes.subarray(0, half));
    finish = () => req.end(bytes.subarray(half));
  });
  return { finish: () => finish(), answer };
}

/** Lines that look like a JavaScript stack frame or name a source file. */
export const STACK_TRACE = /\n\s+at |\bat .+\(.+:\d+:\d+\)|node_modules|\.[jt]s:\d+/;
