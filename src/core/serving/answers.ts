import { STATUS_CODES } from 'node:http';

import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

import type { ServiceMetrics } from './metrics.js';
import type { ServingModel } from './model-loader.js';
import type { Predictor } from './predictor.js';
import type { JsonSchema } from './schema.js';
import { describeErrors, MAX_LISTED_PROBLEMS, type FieldProblem } from './validation.js';

/** The bodies the service answers with, and the one error handler that turns every failure into one. */

export type AnswerWriter = (probabilities: Float64Array, batch: boolean) => string;

/**
 * Writes the answer's JSON by hand: what differs per record is two numbers, and the threshold and model
 * part is the same string every time. A number prints as JSON.stringify prints it, the shortest text that
 * reads back as the same double, so a client gets the probability to the last bit.
 */
export function answerWriter(predictor: Predictor, metrics: ServiceMetrics): AnswerWriter {
  const { model } = predictor;
  const identity = { name: model.name, version: model.version, run_id: model.runId };
  const tail = `,"threshold":${JSON.stringify(model.threshold)},"model":${JSON.stringify(identity)}}`;
  const one = (probability: number, prediction: 0 | 1) =>
    `{"prediction":${prediction},"probability":${JSON.stringify(probability)}${tail}`;

  return (probabilities, batch) => {
    if (!batch) {
      const prediction = predictor.classOf(probabilities[0]);
      metrics.countPredictions(prediction, 1 - prediction);
      return one(probabilities[0], prediction);
    }
    let positives = 0;
    const parts = new Array<string>(probabilities.length);
    for (let i = 0; i < probabilities.length; i++) {
      const prediction = predictor.classOf(probabilities[i]);
      positives += prediction;
      parts[i] = one(probabilities[i], prediction);
    }
    metrics.countPredictions(positives, probabilities.length - positives);
    return `{"predictions":[${parts.join(',')}]}`;
  };
}

export function modelInfo(model: ServingModel) {
  return {
    name: model.name,
    version: model.version,
    run_id: model.runId,
    alias: model.alias,
    uri: model.uri,
    family: model.artifact.descriptor.family,
    target: model.artifact.descriptor.target,
    threshold: model.threshold,
    preprocessor_hash: model.preprocessorHash,
    loaded_at: model.loadedAt.toISOString(),
  };
}

const NULLABLE_STRING = { type: ['string', 'null'] };

export const MODEL_INFO_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    name: NULLABLE_STRING,
    version: NULLABLE_STRING,
    run_id: NULLABLE_STRING,
    alias: NULLABLE_STRING,
    uri: { type: 'string' },
    family: { type: 'string' },
    target: { type: 'string' },
    threshold: { type: 'number' },
    preprocessor_hash: { type: 'string' },
    loaded_at: { type: 'string', format: 'date-time' },
  },
  required: ['name', 'version', 'run_id', 'alias', 'uri', 'preprocessor_hash', 'loaded_at'],
};

export function statusSchema(status: string): JsonSchema {
  return { type: 'object', properties: { status: { type: 'string', enum: [status] } }, required: ['status'] };
}

export function errorBody(statusCode: number, message: string) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export function notLoaded() {
  return errorBody(503, 'the model is not loaded yet; /ready answers 200 once it is');
}

/** A 422 that lists the first problems (all of them, up to `MAX_LISTED_PROBLEMS`) and names a few. */
export function problemBody(problems: FieldProblem[], kind: 'invalid' | 'undefined-outcome') {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const paths = listed.slice(0, 5).map((problem) => problem.path || '(the body)');
  const named = `${paths.join(', ')}${problems.length > paths.length ? ', …' : ''}`;
  const message =
    kind === 'invalid'
      ? `${problems.length === 1 ? '1 field is' : `${problems.length} fields are`} invalid: ${named}`
      : `readmission is undefined for an expired or hospice discharge: ${named}`;
  return { ...errorBody(422, message), details: listed, truncated: problems.length > listed.length };
}

/**
 * Every error becomes a JSON answer without a stack: a validation failure a 422 that lists each bad field,
 * Fastify's own 4xx (bad JSON, wrong content type, too large) a message of ours, anything else a 500 whose
 * details go to the log only.
 */
export function errorHandler(bodyLimit: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      const problems = describeErrors(error.validation as ErrorObject[], request.body);
      return reply.code(422).send(problemBody(problems, 'invalid'));
    }
    const status =
      typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send(errorBody(status, publicMessage(error, status, bodyLimit)));
  };
}

function publicMessage(error: FastifyError, status: number, bodyLimit: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'the body must be JSON, sent with Content-Type: application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `the body is larger than the limit of ${bodyLimit} bytes`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the body is empty; send one record or {"records": [...]} as JSON';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'the body is not valid JSON';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'the Content-Length header does not match the body';
  }
  if (status === 500) return 'an internal error; it has been logged';
  return STATUS_CODES[status] ?? 'the request cannot be answered';
}
