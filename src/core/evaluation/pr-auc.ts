import { binaryCurve, type BinaryCurve } from './binary-curve.js';
import { checkBinaryInput } from './check-binary-input.js';
import type { BinaryLabels, Scores } from './types.js';

/**
 * Average precision, as scikit-learn's `average_precision_score`: the sum over distinct thresholds, highest
 * first, of the rise in recall times the precision there. It is a step-wise area, not the trapezoid, so it
 * does not overstate the area where precision falls between thresholds. Needs at least one positive.
 */
export function prAuc(labels: BinaryLabels, scores: Scores): number {
  const input = checkBinaryInput('prAuc', labels, scores, { somePositive: true });
  return prAucFromCurve(binaryCurve(input.labels, input.scores));
}

/** The curve must hold at least one positive. */
export function prAucFromCurve(curve: BinaryCurve): number {
  const { truePositives, falsePositives } = curve;
  let sum = 0;
  let previousTp = 0;
  for (let k = 0; k < truePositives.length; k++) {
    const tp = truePositives[k];
    if (tp > previousTp) sum += ((tp - previousTp) * tp) / (tp + falsePositives[k]);
    previousTp = tp;
  }
  return sum / curve.positives;
}
