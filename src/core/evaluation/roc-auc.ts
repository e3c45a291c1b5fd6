import { binaryCurve, type BinaryCurve } from './binary-curve.js';
import { checkBinaryInput } from './check-binary-input.js';
import type { BinaryLabels, Scores } from './types.js';

/**
 * Area under the ROC curve, as scikit-learn's `roc_auc_score`: the trapezoid over the distinct thresholds,
 * which is the Mann-Whitney statistic with tied scores counting one half. Needs both classes.
 */
export function rocAuc(labels: BinaryLabels, scores: Scores): number {
  const input = checkBinaryInput('rocAuc', labels, scores, { bothClasses: true });
  return rocAucFromCurve(binaryCurve(input.labels, input.scores));
}

/**
 * The trapezoid sum in whole counts, so that it is exact up to 2^53 and rounds once at the division; the
 * curve must hold both classes.
 */
export function rocAucFromCurve(curve: BinaryCurve): number {
  const { truePositives, falsePositives } = curve;
  let twiceArea = 0;
  let previousTp = 0;
  let previousFp = 0;
  for (let k = 0; k < truePositives.length; k++) {
    twiceArea += (falsePositives[k] - previousFp) * (truePositives[k] + previousTp);
    previousTp = truePositives[k];
    previousFp = falsePositives[k];
  }
  return twiceArea / (2 * curve.positives * curve.negatives);
}
