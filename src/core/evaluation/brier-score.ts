import { checkBinaryInput } from './check-binary-input.js';
import type { BinaryLabels, Scores } from './types.js';

/** Mean squared difference between probability and outcome, as scikit-learn's `brier_score_loss`. */
export function brierScore(labels: BinaryLabels, probabilities: Scores): number {
  const input = checkBinaryInput('brierScore', labels, probabilities, { probabilities: true });

  const n = input.labels.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const difference = input.labels[i] - input.scores[i];
    sum += difference * difference;
  }
  return sum / n;
}
