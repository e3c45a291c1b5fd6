import { binaryCurve } from './binary-curve.js';
import { brierScore } from './brier-score.js';
import { checkBinaryInput } from './check-binary-input.js';
import { logLoss } from './log-loss.js';
import { prAucFromCurve } from './pr-auc.js';
import { precisionRecallF1 } from './precision-recall-f1.js';
import { rocAucFromCurve } from './roc-auc.js';
import type { BinaryEvaluation, BinaryLabels, Scores } from './types.js';

/**
 * Every metric a run records for one split, from predicted probabilities and the decision threshold
 * (predict positive when `probability >= threshold`). Needs both classes, since ROC AUC does. One sort
 * serves both areas.
 */
export function evaluateBinary(
  labels: BinaryLabels,
  probabilities: Scores,
  threshold: number,
): BinaryEvaluation {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new RangeError(`evaluateBinary: threshold is ${threshold}; it must be a finite number`);
  }
  const input = checkBinaryInput('evaluateBinary', labels, probabilities, {
    probabilities: true,
    bothClasses: true,
  });

  const curve = binaryCurve(input.labels, input.scores);
  const { precision, recall, f1 } = precisionRecallF1(input.labels, input.scores, threshold);
  return {
    rocAuc: rocAucFromCurve(curve),
    prAuc: prAucFromCurve(curve),
    logLoss: logLoss(input.labels, input.scores),
    brier: brierScore(input.labels, input.scores),
    f1,
    precision,
    recall,
    threshold,
    positives: input.positives,
    rows: input.labels.length,
  };
}
