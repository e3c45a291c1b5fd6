import { renderAsync } from '@resvg/resvg-js';
import { parse, View, Warn } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

import { displayVersion, formatPercent } from './format.js';
import { driftStrength, formatCellScore, STRENGTH_DOMAIN } from './scores.js';
import { useDejaVuMetrics } from './text-metrics.js';
import type { BatchSummary, Chart, RocCurve, VisualizeInput } from './types.js';

/**
 * The four `visualize` charts as vega-lite specs, rendered without a browser: vega draws the scene headless
 * to SVG, resvg rasterises that SVG to PNG. Text is laid out with DejaVu Sans widths (see `text-metrics.ts`).
 */

const COLORS = {
  calm: '#4c78a8',
  drift: '#e45756',
  champion: '#4c78a8',
  challenger: '#f58518',
  rejected: '#b279a2',
  reference: '#555555',
  noise: '#9d9d9d',
} as const;

const CONFIG: TopLevelSpec['config'] = {
  background: 'white',
  padding: 16,
  title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: '#444', anchor: 'start', offset: 12 },
  // Vega gives axis labels at most 200 px by default, then draws the title over long feature names.
  axis: { labelFontSize: 11, titleFontSize: 12, titlePadding: 10, labelLimit: 320, maxExtent: 360 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360 },
  view: { stroke: null },
};

type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** PNGs are drawn at twice the SVG's size so they stay sharp on high-density screens and in slides. */
export const PNG_SCALE = 2;

export function batchLabel(batch: number): string {
  return `batch ${batch}`;
}

export async function buildCharts(input: VisualizeInput): Promise<Chart[]> {
  const specs: { name: Chart['name']; title: string; spec: TopLevelSpec }[] = [
    { name: 'drift-share', title: 'Drift share per batch', spec: driftShareSpec(input.batches) },
    { name: 'drift-heatmap', title: 'Feature drift by batch', spec: driftHeatmapSpec(input.batches) },
    {
      name: 'auc-per-batch',
      title: 'AUC per batch',
      spec: aucPerBatchSpec(input.batches, input.referenceAuc),
    },
    { name: 'roc-curves', title: 'ROC curves', spec: rocCurvesSpec(input.rocCurves) },
  ];

  const charts: Chart[] = [];
  for (const { name, title, spec } of specs) {
    const { svg, png } = await renderChart(spec);
    charts.push({ name, title, svg, png });
  }
  return charts;
}

export async function renderChart(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  useDejaVuMetrics();
  const view = new View(parse(compile(spec).spec), { renderer: 'none', logLevel: Warn });
  try {
    const svg = await view.toSVG();
    const { png } = await rasterizeSvg(svg);
    return { svg, png };
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG on white at `PNG_SCALE`. Vega writes the generic `sans-serif` family, which resvg maps to
 * Arial or, where Arial is missing, to whichever font it finds first; the generic families are pinned to
 * DejaVu Sans so the pixels match the widths the layout was measured with (`text-metrics.ts`).
 */
export async function rasterizeSvg(
  svg: string,
): Promise<{ png: Buffer; pixels: Buffer; width: number; height: number }> {
  const image = await renderAsync(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: {
      loadSystemFonts: true,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
      serifFamily: 'DejaVu Serif',
      monospaceFamily: 'DejaVu Sans Mono',
    },
    logLevel: 'off',
  });
  return { png: image.asPng(), pixels: image.pixels, width: image.width, height: image.height };
}

/** Batches in their numeric order, each kept on the axis even when it has nothing to draw. */
function batchAxis(labels: string[], orient: 'top' | 'bottom' = 'bottom') {
  return {
    field: 'label',
    type: 'ordinal',
    title: 'Batch',
    scale: { domain: labels },
    axis: { labelAngle: 0, orient },
  } as const;
}

export function driftShareSpec(batches: BatchSummary[]): TopLevelSpec {
  const labels = batches.map((b) => batchLabel(b.batch));
  const values = batches.map((b) => ({
    label: batchLabel(b.batch),
    share: b.driftShare,
    threshold: b.driftShareThreshold,
    noise: b.noiseShareP95 ?? null,
    status: b.datasetDrift ? 'dataset drift' : 'no dataset drift',
  }));
  const thresholds = new Set(batches.map((b) => b.driftShareThreshold));
  const hasNoise = batches.some((b) => b.noiseShareP95 !== undefined);
  const x = batchAxis(labels);

  // One threshold for every batch reads best as one line across; thresholds that changed between batches
  // are drawn per batch so none of them is misread as applying to the others.
  const thresholdLayer: Layer =
    thresholds.size <= 1
      ? {
          mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5, color: COLORS.reference },
          encoding: { y: { aggregate: 'min', field: 'threshold', type: 'quantitative' } },
        }
      : {
          mark: { type: 'tick', thickness: 2, color: COLORS.reference },
          encoding: { x, y: { field: 'threshold', type: 'quantitative' } },
        };
  const noiseLayer: Layer = {
    transform: [{ filter: 'datum.noise != null' }],
    mark: { type: 'tick', thickness: 2, color: COLORS.noise },
    encoding: { x, y: { field: 'noise', type: 'quantitative' } },
  };
  const subtitle = [
    `Dashed line: share at which dataset drift is declared (${describeThresholds(thresholds)}).`,
  ];
  if (hasNoise) subtitle.push('Grey tick: 95th percentile of the share that noise alone gives at this size.');

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Drift share per batch', subtitle },
    width: Math.max(520, 80 * batches.length),
    height: 260,
    data: { values },
    config: CONFIG,
    layer: [
      {
        mark: { type: 'bar', width: { band: 0.6 } },
        encoding: {
          x,
          y: {
            field: 'share',
            type: 'quantitative',
            title: 'Share of features drifted',
            scale: { domain: [0, 1] },
            axis: { format: '.0%' },
          },
          color: {
            field: 'status',
            type: 'nominal',
            title: null,
            scale: { domain: ['no dataset drift', 'dataset drift'], range: [COLORS.calm, COLORS.drift] },
            legend: { orient: 'bottom', direction: 'horizontal' },
          },
        },
      },
      {
        mark: { type: 'text', dy: -7, fontSize: 11 },
        encoding: {
          x,
          y: { field: 'share', type: 'quantitative' },
          text: { field: 'share', type: 'quantitative', format: '.0%' },
        },
      },
      thresholdLayer,
      ...(hasNoise ? [noiseLayer] : []),
    ],
  };
}

function describeThresholds(thresholds: Set<number>): string {
  const percents = [...thresholds].sort((a, b) => a - b).map(formatPercent);
  return percents.length === 0 ? 'none' : percents.join(', ');
}

export function driftHeatmapSpec(batches: BatchSummary[]): TopLevelSpec {
  const labels = batches.map((b) => batchLabel(b.batch));
  const features = featureLabels(batches);
  const values = batches.flatMap((b) =>
    b.columns.map((c) => ({
      label: batchLabel(b.batch),
      feature: features.get(c.column) ?? c.column,
      strength: driftStrength(c),
      score: formatCellScore(c),
      drifted: c.drifted,
    })),
  );
  const order = [...features.values()];
  const x = batchAxis(labels, 'top');
  const y = { field: 'feature', type: 'nominal', sort: order, title: 'Feature (test)' } as const;

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Feature drift by batch',
      subtitle: [
        'Colour: how far the score is past its threshold (distance ÷ threshold, or threshold ÷ p-value).',
        'Orange cells drifted, blue did not; bold text marks a drifted cell. Most-drifted features first.',
      ],
    },
    width: Math.max(200, 64 * batches.length),
    height: Math.max(60, 22 * order.length),
    data: { values },
    config: CONFIG,
    encoding: { x, y },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1.5 },
        encoding: {
          color: {
            field: 'strength',
            type: 'quantitative',
            title: ['Score vs', 'threshold'],
            scale: {
              type: 'log',
              domain: [...STRENGTH_DOMAIN],
              domainMid: 1,
              scheme: 'blueorange',
              clamp: true,
            },
            legend: {
              values: [0.1, 0.3, 1, 3, 10],
              labelExpr: "datum.value == 1 ? '1× (threshold)' : format(datum.value, '~g') + '×'",
              gradientLength: 160,
            },
          },
        },
      },
      scoreLayer(true),
      scoreLayer(false),
    ],
  };
}

/**
 * The score printed in each cell; vega-lite has no font-weight channel, so drifted cells get a layer of their
 * own.
 */
function scoreLayer(drifted: boolean): Layer {
  return {
    transform: [{ filter: drifted ? 'datum.drifted' : '!datum.drifted' }],
    mark: { type: 'text', fontSize: 10, fontWeight: drifted ? 'bold' : 'normal' },
    encoding: {
      text: { field: 'score', type: 'nominal' },
      color: {
        condition: { test: 'datum.strength >= 4 || datum.strength <= 0.25', value: 'white' },
        value: 'black',
      },
    },
  };
}

/** Rows of the heatmap: each feature labelled with its test(s), most-drifted first, then in input order. */
function featureLabels(batches: BatchSummary[]): Map<string, string> {
  const seen = new Map<string, { tests: Set<string>; drifts: number; index: number }>();
  for (const column of batches.flatMap((b) => b.columns)) {
    const row = seen.get(column.column) ?? { tests: new Set<string>(), drifts: 0, index: seen.size };
    row.tests.add(column.stattest);
    row.drifts += column.drifted ? 1 : 0;
    seen.set(column.column, row);
  }
  const ordered = [...seen.entries()].sort(([, a], [, b]) => b.drifts - a.drifts || a.index - b.index);
  return new Map(ordered.map(([name, row]) => [name, `${name} (${[...row.tests].join(', ')})`]));
}

export function aucPerBatchSpec(batches: BatchSummary[], referenceAuc?: number): TopLevelSpec {
  const labels = batches.map((b) => batchLabel(b.batch));
  const measured = [
    ...batches.flatMap((b) => (b.championAuc === null ? [] : [b.championAuc])),
    ...batches.flatMap((b) => (b.challengerAuc === null ? [] : [b.challengerAuc])),
  ];
  const domain = paddedDomain(referenceAuc === undefined ? measured : [...measured, referenceAuc]);
  const values = batches.flatMap((b) => aucPoints(b, (domain[1] - domain[0]) * 0.07));
  const x = batchAxis(labels);
  const y = {
    field: 'auc',
    type: 'quantitative',
    title: 'ROC AUC on the batch',
    scale: { domain, zero: false },
    axis: { format: '.2f' },
  } as const;
  const models = ['champion', 'challenger, promoted', 'challenger, not promoted'];
  const color = {
    field: 'model',
    type: 'nominal',
    title: null,
    scale: { domain: models, range: [COLORS.champion, COLORS.challenger, COLORS.rejected] },
    legend: { orient: 'bottom', direction: 'horizontal' },
  } as const;
  const shape = {
    field: 'model',
    type: 'nominal',
    title: null,
    scale: { domain: models, range: ['circle', 'diamond', 'triangle-down'] },
  } as const;

  const subtitle: string[] = [];
  if (referenceAuc !== undefined) {
    subtitle.push(`Dashed line: the first champion's AUC on the test split (${referenceAuc.toFixed(3)}).`);
  }
  subtitle.push(
    'Champions: AUC on the whole batch. Challengers, where the loop retrained: AUC on the rows the gate scores.',
  );
  if (measured.length === 0) subtitle.push('No batch had labels, so no AUC was measured.');
  else if (batches.some((b) => b.championAuc === null)) subtitle.push('Gaps: batches without labels.');
  const referenceLayer: Layer = {
    data: { values: referenceAuc === undefined ? [] : [{ reference: referenceAuc }] },
    mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5, color: COLORS.reference },
    encoding: { y: { field: 'reference', type: 'quantitative' } },
  };

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'AUC per batch: champion and challenger', subtitle },
    width: Math.max(520, 80 * batches.length),
    height: 260,
    data: { values },
    config: CONFIG,
    layer: [
      referenceLayer,
      {
        transform: [{ filter: "datum.model == 'champion'" }],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x, y, color },
      },
      {
        mark: { type: 'point', filled: true, size: 90, opacity: 1 },
        encoding: { x, y, color, shape },
      },
      {
        transform: [{ filter: "datum.model == 'champion'" }],
        mark: { type: 'text', fontSize: 10, baseline: 'middle', color: COLORS.champion },
        encoding: {
          x,
          y: { field: 'labelAuc', type: 'quantitative' },
          text: { field: 'version', type: 'nominal' },
        },
      },
    ],
  };
}

/**
 * The batch's champion and challenger points. The champion's version is written above its point, or below it
 * when the challenger sits above, so the two never overlap; `offset` is in AUC units.
 */
function aucPoints(batch: BatchSummary, offset: number) {
  const label = batchLabel(batch.batch);
  const version = displayVersion(batch.championVersion);
  const points: {
    label: string;
    model: string;
    auc: number | null;
    labelAuc: number | null;
    version: string;
  }[] = [];
  if (batch.championAuc === null) {
    // A row without an AUC breaks the champion's line, so an unlabelled batch shows as a gap, not a slope.
    points.push({ label, model: 'champion', auc: null, labelAuc: null, version });
  } else {
    const challengerAbove = batch.challengerAuc !== null && batch.challengerAuc > batch.championAuc;
    const labelAuc = batch.championAuc + (challengerAbove ? -offset : offset);
    points.push({ label, model: 'champion', auc: batch.championAuc, labelAuc, version });
  }
  if (batch.challengerAuc !== null) {
    const model = batch.promoted ? 'challenger, promoted' : 'challenger, not promoted';
    points.push({ label, model, auc: batch.challengerAuc, labelAuc: batch.challengerAuc, version: '' });
  }
  return points;
}

function paddedDomain(values: number[]): [number, number] {
  if (values.length === 0) return [0.5, 1];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = Math.max(0.02, (high - low) * 0.15);
  return [Math.max(0, Math.floor((low - pad) * 50) / 50), Math.min(1, Math.ceil((high + pad) * 50) / 50)];
}

export function rocCurvesSpec(curves: RocCurve[]): TopLevelSpec {
  const names = curves.map((curve) => `${curve.label} (AUC ${curve.auc.toFixed(3)})`);
  const values = curves.flatMap((curve, i) =>
    thinRoc(curve.fpr, curve.tpr).map(([fpr, tpr], index) => ({ curve: names[i], fpr, tpr, index })),
  );
  const subtitle = [
    'Dashed diagonal: a model that guesses. Curves closer to the top-left corner rank better.',
  ];
  if (curves.length === 0) subtitle.push('No ROC curve was recorded.');

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'ROC curves', subtitle },
    width: 380,
    height: 380,
    config: CONFIG,
    layer: [
      {
        data: { values: [{ x: 0, y: 0, x2: 1, y2: 1 }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: COLORS.noise },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          x2: { field: 'x2' },
          y2: { field: 'y2' },
        },
      },
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2, interpolate: 'linear' },
        encoding: {
          x: {
            field: 'fpr',
            type: 'quantitative',
            title: 'False positive rate',
            scale: { domain: [0, 1] },
            // Flush end labels sit beside their ticks; centred, 0.0 and 1.0 line up with the y axis's.
            axis: { labelFlush: false },
          },
          y: { field: 'tpr', type: 'quantitative', title: 'True positive rate', scale: { domain: [0, 1] } },
          order: { field: 'index', type: 'quantitative' },
          color: {
            field: 'curve',
            type: 'nominal',
            title: null,
            scale: { domain: names, scheme: 'tableau10' },
            legend: { orient: 'bottom', direction: 'vertical' },
          },
        },
      },
    ],
  };
}

/**
 * Drops the inner points of vertical and horizontal runs, which a ROC curve from many tied thresholds is
 * mostly made of. The drawn curve is unchanged and the SVG stays small enough to inline in the HTML page.
 */
export function thinRoc(fpr: number[], tpr: number[]): [number, number][] {
  const points: [number, number][] = [];
  const count = Math.min(fpr.length, tpr.length);
  for (let i = 0; i < count; i++) {
    const inner = i > 0 && i < count - 1;
    const vertical = inner && fpr[i - 1] === fpr[i] && fpr[i] === fpr[i + 1];
    const horizontal = inner && tpr[i - 1] === tpr[i] && tpr[i] === tpr[i + 1];
    if (!vertical && !horizontal) points.push([fpr[i], tpr[i]]);
  }
  return points;
}
