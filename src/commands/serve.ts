import { Flags } from '@oclif/core';

import { BaseCommand } from '../cli/base-command.js';
import { storeFlags, storeSettings } from '../cli/flags.js';
import { openBackends, type Backends } from '../core/pipeline/backends.js';
import { DEFAULT_MODEL_URI } from '../core/serving/model-loader.js';
import { serve, type ServeResult } from '../core/serving/serve.js';
import { DEFAULT_BODY_LIMIT } from '../core/serving/server.js';
import { paragraphs } from '../cli/text.js';

export default class Serve extends BaseCommand {
  static summary =
    'Serve the champion over HTTP: POST /predict, health, readiness, model info, metrics, docs.';

  static description =
    paragraphs(`Resolves --model-uri once at start-up (${DEFAULT_MODEL_URI} by default; also models:/NAME/VERSION,
runs:/RUN_ID/model, or a local model directory, which needs no tracking store) and answers POST /predict with one
record or {"records": [...]} of up to 1,000, under the data set's own field names or in snake_case: each gets
prediction, probability, threshold and the model's name, version and run id. A bad request is a 422 that lists
every bad field; an expired or hospice disposition is a 422 too, as readmission is undefined for it. GET /health
says the process is alive, GET /ready that a model is loaded (503 until then), GET /model-info which model, GET
/metrics Prometheus metrics, GET /docs and /openapi.json the API. Request logs (JSON, no record contents) go to
stderr. With --capture every scored record and its prediction is appended as JSON Lines under capture/YYYY/MM/DD/
in the store, for \`monitor --capture-from\`. SIGTERM or SIGINT stops accepting, finishes requests in flight,
writes the capture buffer out and exits 0.`);

  static examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --model-uri models:/HealthPredict/3 --port 8080 --capture',
    '<%= config.bin %> serve --host 0.0.0.0 --model-uri /app/model',
  ];

  static flags = {
    'model-uri': Flags.string({
      default: DEFAULT_MODEL_URI,
      description: 'The model: models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/model or a directory.',
    }),
    host: Flags.string({ default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 for all).' }),
    port: Flags.integer({
      default: 8000,
      min: 0,
      max: 65535,
      description: 'Port to listen on (0 picks a free one).',
    }),
    capture: Flags.boolean({ description: 'Capture every scored record and its prediction to the store.' }),
    'body-limit': Flags.integer({
      default: DEFAULT_BODY_LIMIT,
      min: 1024,
      description: 'Largest request body in bytes; larger ones get 413.',
    }),
    'log-level': Flags.string({
      default: 'info',
      options: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      description: 'Level of the JSON request logs on stderr.',
    }),
    ...storeFlags,
  };

  async run(): Promise<ServeResult> {
    const { flags } = await this.parse(Serve);
    const { values } = this.resolveConfig(storeSettings(flags), flags.config);
    let backends: Backends | undefined;
    const open = () => (backends ??= openBackends(values));
    const result = await serve({
      uri: flags['model-uri'],
      openStores: open,
      host: flags.host,
      port: flags.port,
      bodyLimit: flags['body-limit'],
      logLevel: flags['log-level'],
      capture: flags.capture ? { store: open().store } : undefined,
      version: this.config.version,
      signal: this.abort.signal,
    });

    const captured = result.capture
      ? `; captured ${result.capture.written} records in ${result.capture.files} files` +
        (result.capture.dropped > 0 ? ` (${result.capture.dropped} dropped)` : '')
      : '';
    this.log(
      `served ${result.requests} requests (${result.predictions} records scored) at ${result.url} with ` +
        `${result.model.name ?? result.model.uri} version ${result.model.version ?? '-'}${captured}`,
    );
    return result;
  }
}
