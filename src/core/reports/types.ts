/**
 * What `visualize` and the per-batch drift report draw. The monitoring loop fills these from the stored
 * `drift/batch_NN/report.json` files and the tracking runs; this module only reads them.
 */

/** One feature's drift test in one batch, as Evidently reports it. */
export interface ColumnDrift {
  column: string;
  /**
   * The test's name as the monitor chose or was forced to use it: `ks`, `chisquare`, `z`, `wasserstein`, ...
   */
  stattest: string;
  /** A p-value (drift when below the threshold) or a distance (drift when at or above it). */
  score: number;
  threshold: number;
  drifted: boolean;
}

export interface BatchSummary {
  batch: number;
  rows: number;
  /** Share of the model's input features that drifted, in [0, 1]. */
  driftShare: number;
  /** Dataset drift is declared when `driftShare` reaches this share. */
  driftShareThreshold: number;
  datasetDrift: boolean;
  columns: ColumnDrift[];
  /** The champion's version when the batch was monitored, before any promotion the batch caused. */
  championVersion: string;
  /** The champion's AUC on the batch; null when the batch had no labels. */
  championAuc: number | null;
  /** The retrained challenger's AUC on the batch; null when no challenger was trained. */
  challengerAuc: number | null;
  retrained: boolean;
  /** Why the loop retrained: `dataset drift`, `performance drop` or `forced`. */
  retrainReason?: string;
  promoted: boolean;
  /** 95th percentile of the drift share that reference-vs-reference noise gives (`monitor --calibrate`). */
  noiseShareP95?: number;
}

export interface RocCurve {
  /** Shown in the legend, for example `champion v1 (test)`. */
  label: string;
  auc: number;
  fpr: number[];
  tpr: number[];
}

export interface VisualizeInput {
  title: string;
  /** ISO 8601 time stamp, shown as given. */
  generatedAt: string;
  batches: BatchSummary[];
  rocCurves: RocCurve[];
  /**
   * The first champion's AUC on the held-out test split, drawn as the line that batch AUCs are read against.
   */
  referenceAuc?: number;
  notes?: string[];
}

export type ChartName = 'drift-share' | 'drift-heatmap' | 'auc-per-batch' | 'roc-curves';

export interface Chart {
  name: ChartName;
  title: string;
  /** A standalone SVG document. */
  svg: string;
  /** The same chart as PNG at twice the SVG's size, on white. */
  png: Buffer;
}

/** What `drift/batch_NN/report.html` shows for one monitored batch. */
export interface DriftReportView {
  batch: number;
  /** ISO 8601 time stamp, shown as given. */
  generatedAt: string;
  rows: number;
  referenceRows?: number;
  columns: ColumnDrift[];
  driftShare: number;
  driftShareThreshold: number;
  datasetDrift: boolean;
  noiseShareP95?: number;
  championVersion?: string;
  /** The champion's AUC on the batch; null or absent when the batch had no labels. */
  championAuc?: number | null;
  /** The champion's AUC on its test split, which `championAuc` is compared against. */
  referenceAuc?: number;
}
