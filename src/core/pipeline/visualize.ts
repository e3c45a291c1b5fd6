import { EXIT_CODES, UserError } from '../errors/index.js';
import { buildCharts } from '../reports/charts.js';
import { renderPage } from '../reports/html.js';
import type { BatchSummary, RocCurve, VisualizeInput } from '../reports/types.js';
import type { ObjectStore } from '../storage/index.js';
import type { MonitorResult } from './monitor.js';

export interface VisualizeOptions {
  store: ObjectStore;
  title?: string;
}

/** What the loop decided for one batch, stored in `loop/decisions.json` beside the drift reports. */
export interface BatchDecision {
  batch: number;
  retrained: boolean;
  /** Why it retrained: `dataset drift`, `performance drop` or `forced`. */
  reason: string | null;
  promoted: boolean;
  challengerAuc: number | null;
}

export const DECISIONS_KEY = 'loop/decisions.json';

export interface VisualizeResult {
  batches: number;
  files: string[];
  page: string;
}

/** Draws the stored drift reports: PNG and SVG charts and one HTML page under `reports/` in the store. */
export async function visualize(options: VisualizeOptions): Promise<VisualizeResult> {
  const { store } = options;
  const reportKeys = (await store.list('drift/')).filter((key) => key.endsWith('/report.json'));
  if (reportKeys.length === 0) {
    throw new UserError(
      `there are no drift reports in ${store.uri}`,
      'run `healthpredict monitor --batch N` (or `healthpredict run`) first',
      EXIT_CODES.notFound,
    );
  }

  const reports = await Promise.all(
    reportKeys.map(async (key) => JSON.parse((await store.read(key)).toString('utf8')) as MonitorResult),
  );
  reports.sort((a, b) => a.batch - b.batch);
  const decisions = await readDecisions(store);
  const batches: BatchSummary[] = reports.map((report) => {
    const decision = decisions.get(report.batch);
    return {
      batch: report.batch,
      rows: report.rows,
      driftShare: report.driftShare,
      driftShareThreshold: report.driftShareThreshold,
      datasetDrift: report.datasetDrift,
      columns: report.columns.map((c) => ({
        column: c.column,
        stattest: c.stattest,
        score: c.score,
        threshold: c.threshold,
        drifted: c.drifted,
      })),
      championVersion: report.championVersion,
      championAuc: report.performance?.championAuc ?? null,
      challengerAuc: decision?.challengerAuc ?? null,
      retrained: decision?.retrained ?? false,
      retrainReason: decision?.reason ?? undefined,
      promoted: decision?.promoted ?? false,
      noiseShareP95: report.noise?.p95,
    };
  });
  const rocCurves: RocCurve[] = reports
    .filter((r) => r.rocCurve)
    .map((r) => ({ ...(r.rocCurve as RocCurve), label: `v${r.championVersion} on batch ${r.batch}` }));

  const input: VisualizeInput = {
    title: options.title ?? 'HealthPredict: drift and performance per batch',
    generatedAt: new Date().toISOString(),
    batches,
    rocCurves,
    referenceAuc: reports[0].performance?.referenceAuc,
  };
  const charts = await buildCharts(input);
  const files: string[] = [];
  for (const chart of charts) {
    await store.write(`reports/${chart.name}.svg`, chart.svg);
    await store.write(`reports/${chart.name}.png`, chart.png);
    files.push(`reports/${chart.name}.svg`, `reports/${chart.name}.png`);
  }
  await store.write('reports/index.html', renderPage(input, charts));
  files.push('reports/index.html');
  await store.write('reports/summary.json', JSON.stringify(input, null, 2));
  files.push('reports/summary.json');
  return {
    batches: batches.length,
    files,
    page: store.localPath('reports/index.html') ?? `${store.uri}/reports/index.html`,
  };
}

async function readDecisions(store: ObjectStore): Promise<Map<number, BatchDecision>> {
  if (!(await store.exists(DECISIONS_KEY))) return new Map();
  const decisions = JSON.parse((await store.read(DECISIONS_KEY)).toString('utf8')) as BatchDecision[];
  return new Map(decisions.map((d) => [d.batch, d]));
}
