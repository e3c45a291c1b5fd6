import { binaryCurve, type BinaryCurve } from './binary-curve.js';
import { checkBinaryInput } from './check-binary-input.js';
import type { BinaryLabels, Scores, ThresholdChoice } from './types.js';

/**
 * The decision threshold that maximises F1 on validation rows.
 *
 * Rule: the candidates are the distinct validation scores, each used as "predict positive when
 * `score >= threshold`"; the one with the highest F1 wins, and among equal F1 the highest threshold, which
 * flags the fewest patients. F1 values are compared exactly as fractions of whole counts, so ties are real
 * ties and not rounding. Because the threshold is an observed score, `precisionRecallF1` with it on the same
 * rows gives back exactly the F1 reported. O(n log n): one sort, then one pass over the distinct scores.
 *
 * Needs at least one positive row; with none, every threshold has F1 0.
 */
export function chooseThreshold(labels: BinaryLabels, scores: Scores): ThresholdChoice {
  const input = checkBinaryInput('chooseThreshold', labels, scores, { somePositive: true });
  return chooseThresholdFromCurve(binaryCurve(input.labels, input.scores));
}

/** The curve must hold at least one positive. */
export function chooseThresholdFromCurve(curve: BinaryCurve): ThresholdChoice {
  const { truePositives, falsePositives, positives } = curve;

  // F1 = 2 tp / (tp + fp + positives); a/b > c/d is a*d > c*b, exact while the products stay below 2^53.
  let best = 0;
  for (let k = 1; k < truePositives.length; k++) {
    const candidate = truePositives[k] * (truePositives[best] + falsePositives[best] + positives);
    const incumbent = truePositives[best] * (truePositives[k] + falsePositives[k] + positives);
    if (candidate > incumbent) best = k;
  }
  const tp = truePositives[best];
  const predictedPositives = tp + falsePositives[best];
  return {
    threshold: curve.thresholds[best],
    f1: (2 * tp) / (predictedPositives + positives),
    precision: tp / predictedPositives,
    recall: tp / positives,
    predictedPositives,
  };
}
