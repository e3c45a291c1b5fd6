/** Observed outcomes, 0 or 1 per row (1 = the positive class, for example readmitted within 30 days). */
export type BinaryLabels = Uint8Array | Float32Array | Float64Array | readonly number[];

/** One score per row; higher means more likely positive. Probabilities where a metric says so. */
export type Scores = Float64Array | readonly number[];

export interface RocCurveResult {
  /** False positive rate at each threshold, rising from 0 to 1. */
  fpr: number[];
  /** True positive rate at each threshold, rising from 0 to 1. */
  tpr: number[];
  /**
   * Decreasing; row i is predicted positive at point k when `score >= thresholds[k]`. The first threshold is
   * the highest score plus 1, so that the curve starts at (0, 0), as scikit-learn 1.2 does.
   */
  thresholds: number[];
}

export interface ConfusionMetrics {
  precision: number;
  recall: number;
  f1: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

export interface ThresholdChoice {
  /** Predict positive when `score >= threshold`; always one of the validation scores. */
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
  /** Rows at or above the threshold. */
  predictedPositives: number;
}

export interface BinaryEvaluation {
  rocAuc: number;
  /** Average precision, the step-wise area under the precision-recall curve. */
  prAuc: number;
  logLoss: number;
  brier: number;
  f1: number;
  precision: number;
  recall: number;
  threshold: number;
  positives: number;
  rows: number;
}
