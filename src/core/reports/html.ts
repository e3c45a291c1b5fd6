import { displayVersion, formatAuc, formatPercent } from './format.js';
import { driftRatio, formatScore, isPValue } from './scores.js';
import type {
  BatchSummary,
  Chart,
  ChartName,
  ColumnDrift,
  DriftReportView,
  VisualizeInput,
} from './types.js';

/**
 * Static HTML for `visualize` (`reports/index.html`) and for each monitored batch
 * (`drift/batch_NN/report.html`). Each page is one file that opens from disk or an S3 link: styles and SVGs
 * are inline, nothing is fetched and no script runs. Every piece of text from the input is escaped, since
 * column names come from the data.
 */

const CAPTIONS: Record<ChartName, string> = {
  'drift-share':
    'Each bar is the share of the model’s input features whose drift test fired on that batch. A red ' +
    'bar reached the dashed threshold, so the batch was declared to have dataset drift. Grey ticks, ' +
    'where shown, are the share that sampling noise alone stays under 95% of the time: a bar near its' +
    ' tick is within noise.',
  'drift-heatmap':
    'One row per feature, one column per batch; the test used is named after the feature. The number ' +
    'is the test’s score: p-values (p=…) drift when below their threshold, distances when at or above' +
    ' it. The colour puts both on one scale: orange cells drifted, blue cells did not, and the darker' +
    ' the cell the further it is from the threshold. Features that drifted in the most batches come ' +
    'first.',
  'auc-per-batch':
    'The champion’s ROC AUC on each labelled batch, labelled with its version, and the AUC of the ' +
    'challenger retrained on the data seen so far where a retrain happened, measured on the newest tenth ' +
    'of that data, the rows the quality gate scores both models on. A champion falling well ' +
    'below the dashed reference is performing worse than on its test split (concept drift); a ' +
    'promoted challenger takes over from the next batch.',
  'roc-curves':
    'True positive rate against false positive rate as the decision threshold moves from strict to ' +
    'lenient. The legend gives each curve’s AUC, the area under it; the dashed diagonal is a model ' +
    'that ranks at random.',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function renderPage(input: VisualizeInput, charts: Chart[]): string {
  const drifted = input.batches.filter((b) => b.datasetDrift).length;
  const retrained = input.batches.filter((b) => b.retrained).length;
  const promoted = input.batches.filter((b) => b.promoted).length;
  const count = `${input.batches.length} ${plural(input.batches.length, 'batch', 'batches')}`;
  const overview =
    `${count} monitored; dataset drift in ${drifted}; ` +
    `retrained ${retrained} ${plural(retrained, 'time', 'times')}, promoted ${promoted}.`;

  const body = [
    `<header><h1>${escapeHtml(input.title)}</h1>`,
    `<p class="meta">Generated <time datetime="${escapeHtml(input.generatedAt)}">` +
      `${escapeHtml(input.generatedAt)}</time>. ${escapeHtml(overview)}</p></header>`,
    '<section><h2>Batches</h2>',
    batchTable(input.batches),
    '</section>',
    charts.length === 0 ? '' : `<section><h2>Charts</h2>\n${charts.map(chartFigure).join('\n')}\n</section>`,
    notesSection(input.notes ?? []),
  ];
  return htmlDocument(input.title, body.filter((part) => part !== '').join('\n'));
}

function batchTable(batches: BatchSummary[]): string {
  if (batches.length === 0) return '<p>No batch has been monitored yet.</p>';
  const withNoise = batches.some((b) => b.noiseShareP95 !== undefined);
  const headers = [
    ['Batch', 'num'],
    ['Rows', 'num'],
    ['Drift share', 'num'],
    ['Threshold', 'num'],
    ...(withNoise ? [['Noise p95', 'num']] : []),
    ['Drifted features', ''],
    ['Decision', ''],
    ['Retrained', ''],
    ['Promoted', ''],
    ['Champion', ''],
    ['Champion AUC', 'num'],
    ['Challenger AUC', 'num'],
  ];
  const rows = batches.map((b) => {
    const cells = [
      [String(b.batch), 'num'],
      [b.rows.toLocaleString('en-US'), 'num'],
      [formatPercent(b.driftShare), 'num'],
      [formatPercent(b.driftShareThreshold), 'num'],
      ...(withNoise ? [[b.noiseShareP95 === undefined ? '—' : formatPercent(b.noiseShareP95), 'num']] : []),
      [driftedFeatures(b.columns), 'features'],
    ].map(([text, cls]) => cell(text, cls));
    cells.push(`<td>${verdictBadge(b.datasetDrift)}</td>`);
    cells.push(
      cell(b.retrained ? (b.retrainReason ? `yes (${b.retrainReason})` : 'yes') : 'no'),
      cell(b.promoted ? 'yes' : 'no'),
    );
    cells.push(cell(displayVersion(b.championVersion)), cell(formatAuc(b.championAuc), 'num'));
    cells.push(cell(formatAuc(b.challengerAuc), 'num'));
    return `<tr>${cells.join('')}</tr>`;
  });
  const head = headers.map(([text, cls]) => `<th${classAttribute(cls)} scope="col">${escapeHtml(text)}</th>`);
  return [
    '<div class="scroll"><table class="batches">',
    `<thead><tr>${head.join('')}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table></div>',
  ].join('\n');
}

/** The drifted features of a batch, most drifted first; past a handful the rest are counted, not listed. */
function driftedFeatures(columns: ColumnDrift[]): string {
  const shown = 5;
  const names = byStrength(columns.filter((c) => c.drifted)).map((c) => c.column);
  if (names.length === 0) return '—';
  const rest = names.length - shown;
  return rest > 0 ? `${names.slice(0, shown).join(', ')} and ${rest} more` : names.join(', ');
}

function chartFigure(chart: Chart): string {
  return [
    `<figure id="${escapeHtml(chart.name)}">`,
    scopeSvgIds(chart.svg, chart.name),
    `<figcaption><strong>${escapeHtml(chart.title)}.</strong> ` +
      `${escapeHtml(CAPTIONS[chart.name])}</figcaption>`,
    '</figure>',
  ].join('\n');
}

/**
 * Prefixes the ids inside an SVG (vega's clip paths and legend gradients) and the references to them. Several
 * SVGs inlined in one page share a single id space, and a second chart's `url(#gradient_0)` would otherwise
 * paint with the first chart's gradient.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]));
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, id: string) =>
    ids.has(id) ? `${lead}${prefix}-${id}` : whole,
  );
}

function notesSection(notes: string[]): string {
  if (notes.length === 0) return '';
  const items = notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('\n');
  return `<section><h2>Notes</h2>\n<ul>\n${items}\n</ul>\n</section>`;
}

export function renderDriftReport(report: DriftReportView): string {
  const title = `Drift report: batch ${report.batch}`;
  const driftedCount = report.columns.filter((c) => c.drifted).length;
  const reference =
    report.referenceRows === undefined ? '' : ` against a reference of ${rowCount(report.referenceRows)}`;
  const champion =
    report.championVersion === undefined ? '' : `; champion ${displayVersion(report.championVersion)}`;
  const meta = `Generated ${report.generatedAt}. ${rowCount(report.rows)}${reference}${champion}.`;
  const side = report.datasetDrift ? 'at or above' : 'below';
  const verdict =
    `${driftedCount} of ${report.columns.length} features drifted (${formatPercent(report.driftShare)}), ` +
    `${side} the dataset-drift threshold of ${formatPercent(report.driftShareThreshold)}.`;

  const body = [
    `<header><h1>${escapeHtml(title)}</h1><p class="meta">${escapeHtml(meta)}</p></header>`,
    `<section class="verdict">${verdictBadge(report.datasetDrift)}`,
    `<p>${escapeHtml(verdict)}</p>`,
    ...[noiseSentence(report), performanceSentence(report)]
      .filter((s) => s !== '')
      .map((s) => `<p>${escapeHtml(s)}</p>`),
    '</section>',
    '<section><h2>Features</h2>',
    columnTable(report.columns),
    '<p class="caption">Drifted features first, then the rest by how close they came to their threshold. ' +
      'A p-value drifts when below its threshold, a distance when at or above it.</p>',
    '</section>',
  ];
  return htmlDocument(title, body.join('\n'));
}

function noiseSentence(report: DriftReportView): string {
  if (report.noiseShareP95 === undefined) return '';
  const within = report.driftShare <= report.noiseShareP95;
  return (
    `Reference-against-reference samples of this size give a drift share of up to ` +
    `${formatPercent(report.noiseShareP95)} (95th percentile), so this share is ` +
    `${within ? 'within' : 'beyond'} what noise alone gives.`
  );
}

function performanceSentence(report: DriftReportView): string {
  if (report.championAuc === undefined || report.championAuc === null) {
    return 'The batch had no labels, so the champion’s AUC was not measured.';
  }
  const auc = `The champion’s AUC on this batch is ${formatAuc(report.championAuc)}`;
  if (report.referenceAuc === undefined) return `${auc}.`;
  const change = report.championAuc - report.referenceAuc;
  const signed = `${change < 0 ? '−' : '+'}${Math.abs(change).toFixed(3)}`;
  return `${auc}, against ${formatAuc(report.referenceAuc)} on its test split (${signed}).`;
}

function columnTable(columns: ColumnDrift[]): string {
  const head = ['Feature', 'Test', 'Score', 'Drifts when', 'Drifted'].map(
    (text, i) => `<th${classAttribute(i === 2 ? 'num' : '')} scope="col">${text}</th>`,
  );
  const rows = byStrength(columns).map((c) => {
    const rule = isPValue(c) ? `p < ${formatThreshold(c.threshold)}` : `≥ ${formatThreshold(c.threshold)}`;
    const drifted = `<td>${c.drifted ? '<span class="badge drift">yes</span>' : 'no'}</td>`;
    const cells = [cell(c.column), cell(c.stattest), cell(formatScore(c.score), 'num'), cell(rule)];
    return `<tr${c.drifted ? ' class="drifted"' : ''}>${cells.join('')}${drifted}</tr>`;
  });
  return [
    '<table class="columns">',
    `<thead><tr>${head.join('')}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function byStrength(columns: ColumnDrift[]): ColumnDrift[] {
  return [...columns].sort((a, b) => Number(b.drifted) - Number(a.drifted) || driftRatio(b) - driftRatio(a));
}

function verdictBadge(datasetDrift: boolean): string {
  return datasetDrift
    ? '<span class="badge drift">dataset drift</span>'
    : '<span class="badge calm">no dataset drift</span>';
}

function cell(text: string, cls = ''): string {
  return `<td${classAttribute(cls)}>${escapeHtml(text)}</td>`;
}

function classAttribute(cls: string): string {
  return cls === '' ? '' : ` class="${cls}"`;
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

function rowCount(rows: number): string {
  return `${rows.toLocaleString('en-US')} ${plural(rows, 'row', 'rows')}`;
}

function formatThreshold(threshold: number): string {
  return String(Number(threshold.toPrecision(4)));
}

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d2430;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; background: white; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 32px 0 12px; border-bottom: 1px solid #e1e4e8; padding-bottom: 4px; }
.meta { color: #555; margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.875rem; }
th, td { padding: 6px 8px; text-align: left; border-bottom: 1px solid #e1e4e8; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.features { min-width: 160px; max-width: 260px; }
.scroll { overflow-x: auto; }
tbody tr:nth-child(even) { background: #fafbfc; }
tr.drifted td { background: #fff4f3; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.85em;
  white-space: nowrap; }
.badge.drift { background: #fde2e1; color: #9b1c17; }
.badge.calm { background: #e3ecf6; color: #1f4e79; }
.verdict p { margin: 8px 0; }
.verdict .badge { font-size: 1rem; margin-top: 16px; }
figure { margin: 24px 0 40px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption, .caption { color: #444; font-size: 0.9rem; max-width: 80ch; margin-top: 8px; }
`;

function htmlDocument(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
