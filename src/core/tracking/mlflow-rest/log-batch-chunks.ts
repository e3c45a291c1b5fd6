import type { MetricPoint } from '../types.js';

/** MLflow's limits on one `runs/log-batch` request (`mlflow/utils/validation.py`). */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

export interface LogBatchChunk {
  metrics: MetricPoint[];
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
}

/**
 * Cuts a batch into requests within MLflow's limits: at most 100 params, 100 tags and 1,000 metrics each, and
 * 1,000 entities in all. Params and tags go first, so a request with metrics to spare fills up with them;
 * points keep their order, so the history of a metric is sent in the order it was given.
 */
export function logBatchChunks(
  metrics: MetricPoint[],
  params: { key: string; value: string }[],
  tags: { key: string; value: string }[],
): LogBatchChunk[] {
  const chunks: LogBatchChunk[] = [];
  let [metric, param, tag] = [0, 0, 0];
  while (metric < metrics.length || param < params.length || tag < tags.length) {
    const paramCount = Math.min(LOG_BATCH_LIMITS.params, params.length - param);
    const tagCount = Math.min(LOG_BATCH_LIMITS.tags, tags.length - tag);
    const room = LOG_BATCH_LIMITS.total - paramCount - tagCount;
    const metricCount = Math.min(LOG_BATCH_LIMITS.metrics, room, metrics.length - metric);
    chunks.push({
      params: params.slice(param, param + paramCount),
      tags: tags.slice(tag, tag + tagCount),
      metrics: metrics.slice(metric, metric + metricCount),
    });
    [metric, param, tag] = [metric + metricCount, param + paramCount, tag + tagCount];
  }
  return chunks;
}
