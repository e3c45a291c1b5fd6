import { EXIT_CODES, UserError } from '../errors/index.js';
import { loadServingModel, type LoadModelOptions } from './model-loader.js';
import { createService, type PredictionService, type ServiceOptions, type ServiceStats } from './server.js';

export interface ServeOptions extends ServiceOptions, LoadModelOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Aborted on SIGTERM or SIGINT: the server stops accepting, finishes what is in flight and returns. */
  signal: AbortSignal;
}

export interface RunningServer {
  service: PredictionService;
  /** `http://HOST:PORT`, with the port actually bound. */
  url: string;
  /** Resolves once the model is loaded and `/ready` answers 200; rejects when it cannot be loaded. */
  ready: Promise<void>;
  stop(): Promise<ServiceStats>;
}

export interface ServeResult extends ServiceStats {
  url: string;
  model: {
    uri: string;
    name: string | null;
    version: string | null;
    runId: string | null;
    alias: string | null;
  };
  uptimeMs: number;
}

/**
 * Listens first and loads the model after, so that `/health` answers while a large model loads and `/ready`
 * says when it is done, as Kubernetes probes expect.
 */
export async function startServer(options: Omit<ServeOptions, 'signal'>): Promise<RunningServer> {
  const service = await createService(options);
  try {
    await service.app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await service.app.close();
    throw listenError(error as NodeJS.ErrnoException, options);
  }
  const address = service.app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const ready = loadServingModel(options).then((model) => service.setModel(model));
  // The caller awaits `ready`; this keeps an early failure from counting as unhandled meanwhile.
  ready.catch(() => undefined);
  return { service, url: `http://${host}:${port}`, ready, stop: () => service.close() };
}

/** Serves until the signal is aborted, then shuts down gracefully and reports what was served. */
export async function serve(options: ServeOptions): Promise<ServeResult> {
  const started = Date.now();
  const server = await startServer(options);
  try {
    await Promise.race([server.ready, aborted(options.signal)]);
  } catch (error) {
    await server.stop();
    throw error;
  }
  await aborted(options.signal);
  server.service.app.log.info('shutting down: finishing requests in flight');
  const model = server.service.model;
  const stats = await server.stop();
  return {
    url: server.url,
    model: {
      uri: options.uri,
      name: model?.name ?? null,
      version: model?.version ?? null,
      runId: model?.runId ?? null,
      alias: model?.alias ?? null,
    },
    ...stats,
    uptimeMs: Date.now() - started,
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function listenError(error: NodeJS.ErrnoException, options: { host: string; port: number }): Error {
  const where = `${options.host}:${options.port}`;
  if (error.code === 'EADDRINUSE') {
    return new UserError(
      `cannot listen on ${where}: the address is in use`,
      'choose another --port',
      EXIT_CODES.usage,
    );
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EACCES') {
    return new UserError(
      `cannot listen on ${where} (${error.code})`,
      'give --host an address of this machine (127.0.0.1, or 0.0.0.0 for all) and a --port above 1023',
      EXIT_CODES.usage,
    );
  }
  return error;
}
