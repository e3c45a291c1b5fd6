import { checkBinaryInput } from './check-binary-input.js';
import type { BinaryLabels, Scores } from './types.js';

export interface LogLossOptions {
  /**
   * Probabilities are clipped to [eps, 1 - eps] before the logarithm. Default `Number.EPSILON` (2^-52),
   * which is scikit-learn 1.2's `eps="auto"` for float64 probabilities.
   */
  eps?: number;
}

/**
 * Mean negative log-likelihood, as scikit-learn 1.2's `log_loss(labels, probabilities)`: clip, form the two
 * class probabilities, renormalise them to sum to 1, then average `-log` of the observed class's.
 *
 * Unlike scikit-learn, all-one-class labels are accepted, since the classes here are always {0, 1}.
 */
export function logLoss(labels: BinaryLabels, probabilities: Scores, options: LogLossOptions = {}): number {
  const { eps = Number.EPSILON } = options;
  if (!(eps >= 0 && eps < 0.5)) throw new RangeError(`logLoss: eps is ${eps}; it must lie in [0, 0.5)`);
  const input = checkBinaryInput('logLoss', labels, probabilities, { probabilities: true });

  const n = input.labels.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(input.scores[i], eps), 1 - eps);
    const q = 1 - p;
    const total = q + p;
    sum -= Math.log((input.labels[i] === 1 ? p : q) / total);
  }
  return sum / n;
}
