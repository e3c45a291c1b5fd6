import { beforeAll, describe, expect, it } from 'vitest';

import {
  aucPerBatchSpec,
  buildCharts,
  driftShareSpec,
  PNG_SCALE,
  rasterizeSvg,
  renderChart,
  thinRoc,
} from '../../src/core/reports/charts.js';
import { displayVersion } from '../../src/core/reports/format.js';
import { driftRatio, driftStrength, formatCellScore, isPValue } from '../../src/core/reports/scores.js';
import { textWidth } from '../../src/core/reports/text-metrics.js';
import type { Chart, VisualizeInput } from '../../src/core/reports/types.js';
import { fabricatedBatches, fabricatedInput } from './fixture.js';
import { inkedPixels, isPng, markupProblem, pngSize, svgSize } from './inspect.js';

const BATCH_LABELS = ['batch 1', 'batch 2', 'batch 3', 'batch 4', 'batch 5'];

function chartNamed(charts: Chart[], name: Chart['name']): Chart {
  const chart = charts.find((c) => c.name === name);
  if (!chart) throw new Error(`no ${name} chart`);
  return chart;
}

/** The strings of the SVG's text elements and their lines, unescaped enough to compare with plain text. */
function texts(svg: string): string[] {
  const entities: Record<string, string> = {
    '&lt;': '<',
    '&gt;': '>',
    '&quot;': '"',
    '&#39;': "'",
    '&amp;': '&',
  };
  return [...svg.matchAll(/<(?:text|tspan)\b[^>]*>([^<]+)/g)].map((m) =>
    m[1].replace(/&(?:lt|gt|quot|#39|amp);/g, (entity) => entities[entity]),
  );
}

describe('buildCharts', () => {
  let charts: Chart[];

  beforeAll(async () => {
    charts = await buildCharts(fabricatedInput());
  });

  it('draws the four charts in order', () => {
    expect(charts.map((c) => c.name)).toEqual([
      'drift-share',
      'drift-heatmap',
      'auc-per-batch',
      'roc-curves',
    ]);
    expect(charts.map((c) => c.title)).toEqual([
      'Drift share per batch',
      'Feature drift by batch',
      'AUC per batch',
      'ROC curves',
    ]);
  });

  it('writes well-formed SVG documents', () => {
    for (const chart of charts) {
      expect(chart.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), chart.name).toBe(true);
      expect(chart.svg.endsWith('</svg>'), chart.name).toBe(true);
      expect(markupProblem(chart.svg), chart.name).toBeNull();
    }
  });

  it('labels every batch on the per-batch charts, with their axis titles', () => {
    const expected: Record<string, string[]> = {
      'drift-share': [
        'Batch',
        'Share of features drifted',
        'no dataset drift',
        'dataset drift',
        '42%',
        '50%',
      ],
      'drift-heatmap': ['Batch', 'Feature (test)', 'number_inpatient (wasserstein, ks)', 'p<0.001', '0.270'],
      'auc-per-batch': ['Batch', 'ROC AUC on the batch', 'champion', 'challenger, promoted', 'v2'],
    };
    for (const [name, labels] of Object.entries(expected)) {
      const shown = texts(chartNamed(charts, name as Chart['name']).svg);
      for (const label of [...BATCH_LABELS, ...labels]) expect(shown, `${name}: ${label}`).toContain(label);
    }
  });

  it('names each ROC curve with its AUC and titles both axes', () => {
    const shown = texts(chartNamed(charts, 'roc-curves').svg);
    expect(shown).toContain('False positive rate');
    expect(shown).toContain('True positive rate');
    expect(shown).toContain('champion v1 on the test split (AUC 0.689)');
    expect(shown).toContain('challenger v3 on batch 5 (AUC 0.671)');
  });

  it('keeps long feature names whole instead of cutting them off with an ellipsis', () => {
    for (const chart of charts)
      expect(
        texts(chart.svg).filter((t) => t.includes('…')),
        chart.name,
      ).toEqual([]);
    expect(texts(chartNamed(charts, 'drift-heatmap').svg)).toContain(
      'discharge_disposition_id (jensenshannon, chisquare)',
    );
  });

  it('writes PNGs at twice the SVG size', () => {
    for (const chart of charts) {
      expect(isPng(chart.png), chart.name).toBe(true);
      const svg = svgSize(chart.svg);
      expect(svg.width, chart.name).toBeGreaterThan(300);
      expect(pngSize(chart.png), chart.name).toEqual({
        width: Math.round(svg.width * PNG_SCALE),
        height: Math.round(svg.height * PNG_SCALE),
      });
    }
  });

  it('draws the text into the PNG, not only the shapes', async () => {
    const heatmap = chartNamed(charts, 'drift-heatmap').svg;
    const withText = await rasterizeSvg(heatmap);
    const withoutText = await rasterizeSvg(heatmap.replace(/<text\b[^>]*>.*?<\/text>/g, ''));

    expect(withText.width * withText.height * 4).toBe(withText.pixels.length);
    expect(inkedPixels(withText.pixels) - inkedPixels(withoutText.pixels)).toBeGreaterThan(20_000);
  });
});

describe('rasterizeSvg', () => {
  it('renders the generic sans-serif family with an installed font', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30">' +
      '<text x="4" y="20" font-family="sans-serif" font-size="16px">batch 1</text></svg>';
    const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"></svg>';

    const text = await rasterizeSvg(svg);
    const nothing = await rasterizeSvg(blank);

    expect([text.width, text.height]).toEqual([240, 60]);
    expect(inkedPixels(nothing.pixels)).toBe(0);
    expect(inkedPixels(text.pixels)).toBeGreaterThan(400);
  });
});

describe('chart input edge cases', () => {
  it('escapes markup in a column name', async () => {
    const input = fabricatedInput();
    input.batches[2].columns[0].column = '<script>alert(1)</script>';

    const heatmap = (await buildCharts(input))[1];

    expect(heatmap.svg).not.toContain('<script');
    expect(heatmap.svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markupProblem(heatmap.svg)).toBeNull();
  });

  it('renders a history with no batches and no curves', async () => {
    const empty: VisualizeInput = {
      title: 'empty',
      generatedAt: '2024-01-01T00:00:00Z',
      batches: [],
      rocCurves: [],
    };

    const charts = await buildCharts(empty);

    expect(charts).toHaveLength(4);
    for (const chart of charts)
      expect(isPng(chart.png) && markupProblem(chart.svg) === null, chart.name).toBe(true);
    expect(texts(charts[2].svg)).toContain('No batch had labels, so no AUC was measured.');
    expect(texts(charts[3].svg)).toContain('No ROC curve was recorded.');
  });

  it('draws a changed drift-share threshold per batch instead of one line across', () => {
    const batches = fabricatedBatches();
    batches[4].driftShareThreshold = 0.4;

    const layers = (driftShareSpec(batches) as { layer: { mark: { type: string } }[] }).layer;

    expect(layers.map((l) => l.mark.type)).toEqual(['bar', 'text', 'tick', 'tick']);
    expect(JSON.stringify(driftShareSpec(batches))).toContain('(30.0%, 40.0%)');
  });

  it('puts the champion version below its point when the challenger sits above it', () => {
    const batches = fabricatedBatches();
    const spec = aucPerBatchSpec(batches, 0.689) as { data: { values: Record<string, unknown>[] } };
    const champions = spec.data.values.filter((v) => v.model === 'champion');

    // Domain [0.62, 0.74], so the label sits 0.07 * 0.12 = 0.0084 away from the point.
    expect(champions.map((v) => Number((v.labelAuc as number).toFixed(4)))).toEqual([
      0.6894, 0.6804, 0.6466, 0.7024, 0.6556,
    ]);
    expect(spec.data.values.filter((v) => v.model !== 'champion').map((v) => v.model)).toEqual([
      'challenger, promoted',
      'challenger, not promoted',
    ]);
  });

  it('breaks the champion line at a batch without labels', () => {
    const batches = fabricatedBatches();
    batches[1].championAuc = null;

    const spec = aucPerBatchSpec(batches) as { data: { values: Record<string, unknown>[] }; title: unknown };

    expect(spec.data.values.filter((v) => v.model === 'champion').map((v) => v.auc)).toEqual([
      0.681,
      null,
      0.655,
      0.694,
      0.664,
    ]);
    expect(JSON.stringify(spec.title)).toContain('Gaps: batches without labels.');
  });

  it('renders a spec of its own', async () => {
    const { svg, png } = await renderChart({
      data: { values: [{ a: 'x', b: 1 }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(pngSize(png).width).toBe(svgSize(svg).width * 2);
  });
});

describe('drift scores', () => {
  const distance = { column: 'age', stattest: 'wasserstein', threshold: 0.1 };
  const pValue = { column: 'age', stattest: 'ks', threshold: 0.05 };

  it('tells p-values from distances by the verdict', () => {
    expect(isPValue({ ...distance, score: 0.2, drifted: true })).toBe(false);
    expect(isPValue({ ...distance, score: 0.05, drifted: false })).toBe(false);
    expect(isPValue({ ...distance, score: 0.1, drifted: true })).toBe(false);
    expect(isPValue({ ...pValue, score: 0.01, drifted: true })).toBe(true);
    expect(isPValue({ ...pValue, score: 0.5, drifted: false })).toBe(true);
    expect(isPValue({ ...pValue, score: 0.05, drifted: false })).toBe(true);
  });

  it('measures both kinds as a factor past the threshold, clamped for colour', () => {
    expect(driftRatio({ ...distance, score: 0.25, drifted: true })).toBeCloseTo(2.5, 12);
    expect(driftRatio({ ...pValue, score: 0.01, drifted: true })).toBeCloseTo(5, 12);
    expect(driftRatio({ ...pValue, score: 0.5, drifted: false })).toBeCloseTo(0.1, 12);
    expect(driftStrength({ ...pValue, score: 1e-9, drifted: true })).toBe(10);
    expect(driftStrength({ ...distance, score: 0, drifted: false })).toBe(0.1);
  });

  it('writes short cell scores', () => {
    expect(formatCellScore({ ...pValue, score: 0.0004, drifted: true })).toBe('p<0.001');
    expect(formatCellScore({ ...pValue, score: 0.0123, drifted: true })).toBe('p=0.012');
    expect(formatCellScore({ ...distance, score: 0.137, drifted: true })).toBe('0.137');
    expect(formatCellScore({ ...distance, score: 12.34, drifted: true })).toBe('12.3');
  });
});

describe('helpers', () => {
  it('drops the inner points of flat and vertical runs only', () => {
    const fpr = [0, 0, 0, 0.1, 0.2, 0.3, 0.3, 1];
    const tpr = [0, 0.2, 0.4, 0.5, 0.5, 0.5, 0.9, 1];
    expect(thinRoc(fpr, tpr)).toEqual([
      [0, 0],
      [0, 0.4],
      [0.1, 0.5],
      [0.3, 0.5],
      [0.3, 0.9],
      [1, 1],
    ]);
  });

  it('shows bare registry versions with a v', () => {
    expect(displayVersion('3')).toBe('v3');
    expect(displayVersion('v3')).toBe('v3');
    expect(displayVersion('challenger-7')).toBe('challenger-7');
  });

  it('measures text with DejaVu Sans advances', () => {
    // DejaVu Sans: "batch" is 1300 + 1255 + 803 + 1126 + 1298 = 5782 units of 2048 per em.
    expect(textWidth('batch', 2048)).toBe(5782);
    expect(textWidth('batch', 11, true)).toBeCloseTo(((1466 + 1382 + 979 + 1214 + 1458) / 2048) * 11, 9);
  });
});
