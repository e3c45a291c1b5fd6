import { checkBinaryInput } from './check-binary-input.js';
import type { BinaryLabels, ConfusionMetrics, Scores } from './types.js';

/**
 * Precision, recall and F1 of the rule "predict positive when `score >= threshold`", as scikit-learn's
 * `precision_score`, `recall_score` and `f1_score` with `zero_division=0`: a ratio with a zero denominator
 * is 0.
 */
export function precisionRecallF1(labels: BinaryLabels, scores: Scores, threshold: number): ConfusionMetrics {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new RangeError(`precisionRecallF1: threshold is ${threshold}; it must be a number`);
  }
  const input = checkBinaryInput('precisionRecallF1', labels, scores);

  let truePositives = 0;
  let falsePositives = 0;
  for (let i = 0; i < input.labels.length; i++) {
    if (input.scores[i] < threshold) continue;
    if (input.labels[i] === 1) truePositives++;
    else falsePositives++;
  }
  return confusionMetrics(truePositives, falsePositives, input.positives, input.labels.length);
}

/** The metrics from the counts at one threshold. */
export function confusionMetrics(
  truePositives: number,
  falsePositives: number,
  positives: number,
  rows: number,
): ConfusionMetrics {
  const falseNegatives = positives - truePositives;
  const predicted = truePositives + falsePositives;
  const f1Denominator = 2 * truePositives + falsePositives + falseNegatives;
  return {
    precision: predicted === 0 ? 0 : truePositives / predicted,
    recall: positives === 0 ? 0 : truePositives / positives,
    f1: f1Denominator === 0 ? 0 : (2 * truePositives) / f1Denominator,
    truePositives,
    falsePositives,
    trueNegatives: rows - positives - falsePositives,
    falseNegatives,
  };
}
