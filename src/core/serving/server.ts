import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';

import type { ObjectStore } from '../storage/index.js';
import {
  answerWriter,
  errorBody,
  errorHandler,
  MODEL_INFO_SCHEMA,
  modelInfo,
  notLoaded,
  problemBody,
  statusSchema,
  type AnswerWriter,
} from './answers.js';
import { CaptureWriter, type CaptureStats } from './capture.js';
import { ServiceMetrics } from './metrics.js';
import type { ServingModel } from './model-loader.js';
import { createPredictor, type Predictor } from './predictor.js';
import {
  ERROR_SCHEMA,
  MAX_BATCH_RECORDS,
  PATIENT_RECORD_SCHEMA,
  PREDICT_BATCH_SCHEMA,
  PREDICT_BODY_SCHEMA,
  PREDICT_RESPONSE_SCHEMA,
} from './schema.js';
import { bodyValidator, excludedDispositions, type PatientRecord } from './validation.js';

/** Large enough for a batch of 1,000 records with every optional field (about 1 MB). */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

const JSON_TYPE = 'application/json; charset=utf-8';

export interface ServiceOptions {
  /** Largest request body in bytes; larger ones get 413 (default 4 MiB). */
  bodyLimit?: number;
  /** pino level of the request logs (default `info`); `silent` turns them off. */
  logLevel?: string;
  /** Where the JSON log lines go (default stderr, so that stdout holds a command's result alone). */
  logStream?: { write(line: string): unknown };
  /** Capture every scored record into this store (`capture/YYYY/MM/DD/`). */
  capture?: { store: ObjectStore; flushIntervalMs?: number; batchSize?: number };
  /** The service's version for the OpenAPI document. */
  version?: string;
}

export interface ServiceStats {
  requests: number;
  predictions: number;
  capture?: CaptureStats;
}

/**
 * The prediction service: a Fastify instance whose routes answer from the model once `setModel` gave it one
 * (`/ready` is 503 until then), plus its metrics and capture. Listening is the caller's choice, so that tests
 * and the CLI start the same service.
 */
export interface PredictionService {
  app: FastifyInstance;
  metrics: ServiceMetrics;
  readonly model: ServingModel | undefined;
  setModel(model: ServingModel): void;
  /** Stops accepting connections, finishes requests in flight, then writes the capture buffer out. */
  close(): Promise<ServiceStats>;
}

/** What the routes share: the model once loaded, counters, capture, and whether the service is closing. */
interface ServiceState {
  metrics: ServiceMetrics;
  stats: { requests: number; predictions: number };
  predictor?: Predictor;
  answer?: AnswerWriter;
  capture?: CaptureWriter;
  closing: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Records scored for this request, for its log line. */
    scored: number;
  }
}

export async function createService(options: ServiceOptions = {}): Promise<PredictionService> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    bodyLimit,
    logger: { level: options.logLevel ?? 'info', stream: options.logStream ?? process.stderr },
    // One line per request, written by the onResponse hook, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: 30_000,
    return503OnClosing: true,
  });
  const state: ServiceState = {
    metrics: new ServiceMetrics(),
    stats: { requests: 0, predictions: 0 },
    closing: false,
  };

  // JSON only: Fastify also parses text/plain by default, which would turn a wrong content type into a 422.
  app.removeContentTypeParser(['text/plain']);
  app.setErrorHandler(errorHandler(bodyLimit));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].slice(0, 200);
    void reply.code(404).send(errorBody(404, `there is no route ${request.method} ${path}`));
  });
  addHooks(app, state);
  await addDocs(app, options.version ?? '0.0.0');
  addRoutes(app, state);

  return {
    app,
    metrics: state.metrics,
    get model() {
      return state.predictor?.model;
    },
    setModel(model) {
      state.predictor = createPredictor(model);
      state.answer = answerWriter(state.predictor, state.metrics);
      state.metrics.setModel(model);
      if (options.capture && !state.capture)
        state.capture = captureWriter(app, state, model, options.capture);
      app.log.info({ model: modelInfo(model) }, 'model loaded');
    },
    async close() {
      state.closing = true;
      // A connection that never sends a request would hold the shutdown open for as long as its client
      // likes; after a grace period every connection still open is ended, and the capture still flushed.
      const grace = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      grace.unref();
      await app.close();
      clearTimeout(grace);
      const captured = await state.capture?.close();
      return { ...state.stats, ...(captured ? { capture: captured } : {}) };
    },
  };
}

/** How long a shutdown waits for requests in flight before it closes the connections left open. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Callback hooks rather than async ones: they run on every request, and a promise each is not free. */
function addHooks(app: FastifyInstance, state: ServiceState): void {
  app.decorateRequest('scored', 0);
  // While closing, answers end their keep-alive connection, so that a client with a request in flight is not
  // left holding an idle connection that keeps the server from finishing its shutdown.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (state.closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    state.stats.requests++;
    const route = request.routeOptions.url ?? 'unmatched';
    state.metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        route,
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
        records: request.scored,
      },
      'request completed',
    );
    done();
  });
}

async function addDocs(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(PATIENT_RECORD_SCHEMA);
  app.addSchema(PREDICT_BATCH_SCHEMA);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'healthpredict prediction service',
        description:
          'Scores hospital encounters of the UCI Diabetes 130-US hospitals data set with the served model: ' +
          'the probability that the patient is readmitted, and the prediction at the model threshold.',
        version,
      },
    },
    // Shared schemas appear under their own names (PatientRecord) rather than def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `schema-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

function addRoutes(app: FastifyInstance, state: ServiceState): void {
  app.get(
    '/health',
    { schema: { summary: 'The process is alive.', response: { 200: statusSchema('ok') } } },
    async () => ({ status: 'ok' }),
  );

  const ready = { 200: statusSchema('ready'), 503: ERROR_SCHEMA };
  app.get(
    '/ready',
    { schema: { summary: 'A model is loaded and requests are answered (503 until then).', response: ready } },
    async (_request, reply) => (state.predictor ? { status: 'ready' } : reply.code(503).send(notLoaded())),
  );

  const info = { 200: MODEL_INFO_SCHEMA, 503: ERROR_SCHEMA };
  app.get(
    '/model-info',
    { schema: { summary: 'The model being served.', response: info } },
    async (_r, reply) =>
      state.predictor ? modelInfo(state.predictor.model) : reply.code(503).send(notLoaded()),
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics in the text exposition format.' } },
    async (_request, reply) => {
      const text = await state.metrics.text();
      return reply.header('content-type', state.metrics.contentType).send(text);
    },
  );

  app.post(
    '/predict',
    {
      schema: {
        summary: `Score one record, or {"records": [...]} of up to ${MAX_BATCH_RECORDS.toLocaleString('en')}.`,
        body: PREDICT_BODY_SCHEMA,
        response: { 200: PREDICT_RESPONSE_SCHEMA, '4xx': ERROR_SCHEMA, 503: ERROR_SCHEMA },
      },
      // The one compiled validator that `predict` on a file uses too.
      validatorCompiler: () => bodyValidator(),
    },
    async (request, reply) => {
      const { predictor, answer } = state;
      if (!predictor || !answer) return reply.code(503).send(notLoaded());
      const body = request.body as PatientRecord;
      const batch = Array.isArray(body.records);
      const records = batch ? (body.records as PatientRecord[]) : [body];

      const excluded = excludedDispositions(records, batch);
      if (excluded.length > 0) return reply.code(422).send(problemBody(excluded, 'undefined-outcome'));
      const probabilities = predictor.probabilities(records);
      const text = answer(probabilities, batch);
      request.scored = records.length;
      state.stats.predictions += records.length;
      state.capture?.add(records, probabilities, predictor.classOf);
      return reply.header('content-type', JSON_TYPE).send(text);
    },
  );
}

function captureWriter(
  app: FastifyInstance,
  state: ServiceState,
  model: ServingModel,
  options: NonNullable<ServiceOptions['capture']>,
): CaptureWriter {
  return new CaptureWriter({
    ...options,
    model: { name: model.name, version: model.version, run_id: model.runId },
    threshold: model.threshold,
    onWritten: (records) => state.metrics.captured.inc(records),
    onDropped: (records) => state.metrics.captureDropped.inc(records),
    onError: (error) => app.log.error({ err: error }, 'capture write failed'),
  });
}
