import { beforeAll, describe, expect, it } from 'vitest';

import { buildCharts } from '../../src/core/reports/charts.js';
import { escapeHtml, renderDriftReport, renderPage, scopeSvgIds } from '../../src/core/reports/html.js';
import type { Chart, DriftReportView } from '../../src/core/reports/types.js';
import { fabricatedBatches, fabricatedInput } from './fixture.js';
import { markupProblem } from './inspect.js';

const HOSTILE = '<script>alert("x")</script>';

/** The text of each cell of the table row whose first cell is `first`, tags stripped. */
function rowCells(html: string, first: string): string[] {
  const rows = [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) =>
    [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1].replace(/<[^>]+>/g, '')),
  );
  const row = rows.find((cells) => cells[0] === first);
  if (!row) throw new Error(`no row starting with ${first}`);
  return row;
}

describe('renderPage', () => {
  let charts: Chart[];
  let html: string;

  beforeAll(async () => {
    const input = fabricatedInput();
    input.batches[4].columns[1].column = HOSTILE;
    input.title = 'Readmission <model> & drift';
    input.notes = [...(input.notes ?? []), 'Gate margin < 0.01 & "strict"'];
    charts = await buildCharts(input);
    html = renderPage(input, charts);
  });

  it('is one well-formed document', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    // The void <meta> tags are HTML, not XML; drop them before checking that everything else is balanced.
    expect(markupProblem(html.replace(/^<!doctype html>\n/, '').replace(/<meta [^>]*>/g, ''))).toBeNull();
  });

  it('tabulates each batch', () => {
    const header = [...html.matchAll(/<th(?:\s[^>]*)?>(.*?)<\/th>/g)].map((m) => m[1]).slice(0, 12);
    expect(header).toEqual([
      'Batch',
      'Rows',
      'Drift share',
      'Threshold',
      'Noise p95',
      'Drifted features',
      'Decision',
      'Retrained',
      'Promoted',
      'Champion',
      'Champion AUC',
      'Challenger AUC',
    ]);
    expect(rowCells(html, '1')).toEqual([
      '1',
      '2,000',
      '8.3%',
      '30.0%',
      '16.7%',
      'number_inpatient',
      'no dataset drift',
      'no',
      'no',
      'v1',
      '0.681',
      '—',
    ]);
    expect(rowCells(html, '3')).toEqual([
      '3',
      '2,000',
      '41.7%',
      '30.0%',
      '16.7%',
      'number_inpatient, admission_type_id, num_lab_procedures, time_in_hospital, number_diagnoses',
      'dataset drift',
      'yes',
      'yes',
      'v1',
      '0.655',
      '0.702',
    ]);
    expect(rowCells(html, '5').slice(5, 12)).toEqual([
      `number_inpatient, ${escapeHtml(HOSTILE)}, admission_type_id, discharge_disposition_id, ` +
        'time_in_hospital and 1 more',
      'dataset drift',
      'yes',
      'no',
      'v2',
      '0.664',
      '0.671',
    ]);
  });

  it('escapes every piece of text from the input', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(html).toContain('<title>Readmission &#60;model&#62; &#38; drift</title>');
    expect(html).toContain('<li>Gate margin &#60; 0.01 &#38; &#34;strict&#34;</li>');
  });

  it('summarises the history under the title', () => {
    expect(html).toContain(
      'Generated <time datetime="2024-05-02T09:30:00Z">2024-05-02T09:30:00Z</time>. 5 batches monitored; ' +
        'dataset drift in 2; retrained 2 times, promoted 1.',
    );
  });

  it('inlines the four charts with captions and fetches nothing', () => {
    const figures = [...html.matchAll(/<figure id="([^"]+)">\n<svg /g)].map((m) => m[1]);
    expect(figures).toEqual(['drift-share', 'drift-heatmap', 'auc-per-batch', 'roc-curves']);
    expect(html).toContain('<figcaption><strong>ROC curves.</strong> True positive rate against');

    const urls = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
    expect(html).not.toMatch(/<(?:link|img|iframe)\b|\ssrc=|@import|url\((?!#)/);
  });

  it('gives the inlined SVGs ids of their own', () => {
    const heatmap = charts.find((c) => c.name === 'drift-heatmap')?.svg ?? '';
    const gradient = /\sid="([^"]+)"/.exec(heatmap)?.[1];
    expect(gradient).toMatch(/^gradient_\d+$/);
    expect(html).toContain(`id="drift-heatmap-${gradient}"`);
    expect(html).toContain(`url(#drift-heatmap-${gradient})`);
    expect(html).not.toContain(`id="${gradient}"`);
  });

  it('says so when nothing was monitored', () => {
    const empty = renderPage({ title: 'x', generatedAt: 't', batches: [], rocCurves: [] }, []);
    expect(empty).toContain('<p>No batch has been monitored yet.</p>');
    expect(empty).not.toContain('<h2>Charts</h2>');
    expect(empty).not.toContain('<h2>Notes</h2>');
  });
});

describe('scopeSvgIds', () => {
  it('prefixes ids and the references to them, and nothing else', () => {
    const svg =
      '<svg><defs><clipPath id="clip1"/></defs><g clip-path="url(#clip1)"><use href="#clip1"/>' +
      '<rect fill="url(#elsewhere)"/><text>id="clip1"</text></g></svg>';
    expect(scopeSvgIds(svg, 'roc')).toBe(
      '<svg><defs><clipPath id="roc-clip1"/></defs><g clip-path="url(#roc-clip1)"><use href="#roc-clip1"/>' +
        '<rect fill="url(#elsewhere)"/><text>id="clip1"</text></g></svg>',
    );
  });
});

describe('renderDriftReport', () => {
  function viewOf(index: number, extra: Partial<DriftReportView> = {}): DriftReportView {
    const batch = fabricatedBatches()[index];
    return {
      batch: batch.batch,
      generatedAt: '2024-05-02T09:30:00Z',
      rows: batch.rows,
      referenceRows: 800,
      columns: batch.columns,
      driftShare: batch.driftShare,
      driftShareThreshold: batch.driftShareThreshold,
      datasetDrift: batch.datasetDrift,
      noiseShareP95: batch.noiseShareP95,
      championVersion: '2',
      championAuc: batch.championAuc,
      referenceAuc: 0.702,
      ...extra,
    };
  }

  it('states the verdict, the noise level and the champion’s AUC', () => {
    const html = renderDriftReport(viewOf(4));

    expect(html).toContain('<title>Drift report: batch 5</title>');
    expect(html).toContain(
      'Generated 2024-05-02T09:30:00Z. 2,000 rows against a reference of 800 rows; champion v2.',
    );
    expect(html).toContain('<span class="badge drift">dataset drift</span>');
    expect(html).toContain(
      '<p>6 of 12 features drifted (50.0%), at or above the dataset-drift threshold of 30.0%.</p>',
    );
    expect(html).toContain(
      '<p>Reference-against-reference samples of this size give a drift share of up to 25.0% (95th ' +
        'percentile), so this share is beyond what noise alone gives.</p>',
    );
    expect(html).toContain(
      '<p>The champion’s AUC on this batch is 0.664, against 0.702 on its test split (−0.038).</p>',
    );
  });

  it('lists drifted features first, most drifted first, with their test and rule', () => {
    const html = renderDriftReport(viewOf(4));
    const rows = [...html.matchAll(/<tr[^>]*>(<td.*?)<\/tr>/g)].map((m) =>
      [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1].replace(/<[^>]+>/g, '')),
    );

    expect(rows.map((r) => r[0])).toEqual([
      'number_inpatient',
      'num_lab_procedures',
      'admission_type_id',
      'discharge_disposition_id',
      'time_in_hospital',
      'number_diagnoses',
      'num_medications',
      'insulin',
      'A1Cresult',
      'number_emergency',
      'change',
      'age',
    ]);
    expect(rows[0]).toEqual(['number_inpatient', 'ks', '1.00e-5', 'p &#60; 0.05', 'yes']);
    expect(rows[11]).toEqual(['age', 'chisquare', '0.5500', 'p &#60; 0.05', 'no']);
    expect(rowCells(renderDriftReport(viewOf(0)), 'number_inpatient')).toEqual([
      'number_inpatient',
      'wasserstein',
      '0.1200',
      '≥ 0.1',
      'yes',
    ]);
  });

  it('reads a calm, unlabelled batch without noise figures', () => {
    const html = renderDriftReport(
      viewOf(0, {
        championAuc: null,
        noiseShareP95: undefined,
        referenceRows: undefined,
        championVersion: undefined,
      }),
    );
    expect(html).toContain('<span class="badge calm">no dataset drift</span>');
    expect(html).toContain(
      '<p>1 of 12 features drifted (8.3%), below the dataset-drift threshold of 30.0%.</p>',
    );
    expect(html).toContain('<p>The batch had no labels, so the champion’s AUC was not measured.</p>');
    expect(html).toContain('Generated 2024-05-02T09:30:00Z. 2,000 rows.');
    expect(html).not.toContain('noise alone');
  });

  it('escapes column and test names', () => {
    const view = viewOf(1);
    view.columns[0] = { ...view.columns[0], column: HOSTILE, stattest: 'ks&<b>' };
    const html = renderDriftReport(view);
    expect(html).not.toMatch(/<script|<b>/);
    expect(html).toContain(
      '<td>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;</td><td>ks&#38;&#60;b&#62;</td>',
    );
  });
});
