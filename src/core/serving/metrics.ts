import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { ServingModel } from './model-loader.js';

/**
 * The service's Prometheus metrics, in a registry of its own (so that two services in one process, as in the
 * tests, do not share counters): requests and their latency by method, route and status, predictions by class
 * and model version, the loaded model as an info gauge, capture progress, and Node's process metrics
 * (resident memory, event loop lag, heap) under their usual names.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'healthpredict_http_requests_total',
    help: 'HTTP requests answered, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'healthpredict_http_request_duration_seconds',
    help: 'Time from the request arriving to the answer being sent, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly predictions = new Counter({
    name: 'healthpredict_predictions_total',
    help: 'Records scored, by predicted class and model version.',
    labelNames: ['class', 'model_name', 'model_version'] as const,
    registers: [this.registry],
  });

  private readonly modelInfo = new Gauge({
    name: 'healthpredict_model_info',
    help: 'The model being served (always 1), with its name, version, run id and alias as labels.',
    labelNames: ['model_name', 'model_version', 'run_id', 'alias'] as const,
    registers: [this.registry],
  });

  readonly captured = new Counter({
    name: 'healthpredict_capture_records_total',
    help: 'Scored records written to the capture store.',
    registers: [this.registry],
  });

  readonly captureDropped = new Counter({
    name: 'healthpredict_capture_dropped_total',
    help: 'Scored records not captured because the buffer was full or a write failed.',
    registers: [this.registry],
  });

  /** Label children by `method route status`: looking them up per request would hash the labels each time. */
  private readonly children = new Map<
    string,
    { count: Counter.Internal; latency: Histogram.Internal<string> }
  >();
  private positive?: Counter.Internal;
  private negative?: Counter.Internal;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  setModel(model: ServingModel): void {
    const name = model.name ?? '';
    const version = model.version ?? '';
    this.modelInfo.reset();
    this.modelInfo.set(
      { model_name: name, model_version: version, run_id: model.runId ?? '', alias: model.alias ?? '' },
      1,
    );
    this.positive = this.predictions.labels({ class: '1', model_name: name, model_version: version });
    this.negative = this.predictions.labels({ class: '0', model_name: name, model_version: version });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let child = this.children.get(key);
    if (!child) {
      const labels = { method, route, status: String(status) };
      child = { count: this.requests.labels(labels), latency: this.latency.labels(labels) };
      this.children.set(key, child);
    }
    child.count.inc();
    child.latency.observe(seconds);
  }

  countPredictions(positives: number, negatives: number): void {
    if (positives > 0) this.positive?.inc(positives);
    if (negatives > 0) this.negative?.inc(negatives);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
