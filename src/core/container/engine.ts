import Docker from 'dockerode';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';
import { debugFor } from '../util/log.js';

const log = debugFor('docker');

/** How long the engine gets to answer a ping before the command gives up on it. */
const PING_TIMEOUT_MS = 5_000;

export interface Engine {
  docker: Docker;
  /** Where the engine was looked for, for messages: `unix:///var/run/docker.sock`, `tcp://…`. */
  where: string;
  /** The Engine API version it answered with. */
  apiVersion: string;
}

/**
 * Connects to the Docker Engine API (or Podman's compatible one) at `dockerHost`, else `DOCKER_HOST`, else
 * the default socket, and checks that it answers. When none does, the error says how to start one and that
 * `--context-out` needs none.
 */
export async function connectEngine(dockerHost = process.env.DOCKER_HOST): Promise<Engine> {
  const { docker, where } = openDocker(dockerHost);
  let timer: NodeJS.Timeout | undefined;
  try {
    const version = await Promise.race([
      docker.version(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`)),
          PING_TIMEOUT_MS,
        );
      }),
    ]);
    log(
      'engine at %s: %s %s (API %s)',
      where,
      version.Platform?.Name ?? 'docker',
      version.Version,
      version.ApiVersion,
    );
    return { docker, where, apiVersion: version.ApiVersion };
  } catch (error) {
    throw new UserError(
      `no container engine answers at ${where}: ${(error as Error).message.split('\n')[0]}`,
      'start dockerd (or `podman system service`), or point DOCKER_HOST at one; ' +
        '`healthpredict build --context-out DIR` writes the build context without an engine',
      EXIT_CODES.external,
    );
  } finally {
    clearTimeout(timer);
  }
}

function openDocker(dockerHost: string | undefined): { docker: Docker; where: string } {
  if (!dockerHost)
    return {
      docker: new Docker({ socketPath: '/var/run/docker.sock' }),
      where: 'unix:///var/run/docker.sock',
    };
  if (dockerHost.startsWith('unix://')) {
    return { docker: new Docker({ socketPath: dockerHost.slice('unix://'.length) }), where: dockerHost };
  }
  const url = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(dockerHost);
  if (!url) {
    throw new UserError(
      `DOCKER_HOST "${dockerHost}" is neither unix:///path nor tcp://host:port`,
      'set DOCKER_HOST to unix:///var/run/docker.sock or tcp://127.0.0.1:2375',
    );
  }
  const protocol = url[1] === 'https' || url[3] === '2376' ? 'https' : 'http';
  return {
    docker: new Docker({
      protocol,
      host: url[2],
      port: Number(url[3] ?? (protocol === 'https' ? 2376 : 2375)),
    }),
    where: dockerHost,
  };
}

/** One line of the JSON stream the Engine API answers builds, pushes and pulls with. */
export interface EngineEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}

/**
 * Follows an Engine API stream to its end, handing each event to `onEvent`; an `error` event becomes an
 * `ExternalError` carrying the end of the log, since the HTTP status of such a stream is already 200.
 */
export function followEngineStream(
  stream: NodeJS.ReadableStream,
  docker: Docker,
  what: string,
  onEvent: (event: EngineEvent) => void,
): Promise<EngineEvent[]> {
  const tail: string[] = [];
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: EngineEvent[]) => {
        const failed = events?.find((event) => event.error);
        if (error || failed) {
          const message = failed?.errorDetail?.message ?? failed?.error ?? error?.message ?? 'failed';
          reject(
            new ExternalError('docker', `${what} failed: ${message.trim()}`, { output: tail.join('\n') }),
          );
        } else {
          resolve(events);
        }
      },
      (event: EngineEvent) => {
        const line = (event.stream ?? event.status ?? '').trim();
        if (line) tail.push(line);
        if (tail.length > 20) tail.shift();
        onEvent(event);
      },
    );
  });
}
