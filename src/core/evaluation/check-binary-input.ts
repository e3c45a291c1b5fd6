import type { BinaryLabels, Scores } from './types.js';

export interface CheckedBinaryInput {
  labels: Uint8Array;
  scores: Float64Array;
  positives: number;
}

export interface CheckBinaryInputOptions {
  /** Require every score to lie in [0, 1]. Default false. */
  probabilities?: boolean;
  /** Require at least one positive and one negative row. Default false. */
  bothClasses?: boolean;
  /** Require at least one positive row. Default false. */
  somePositive?: boolean;
}

/**
 * The type guard every metric runs first: same non-zero length, labels 0 or 1, finite scores. Returns the
 * input as typed arrays (copies) with the number of positives, so the metrics can loop without checks.
 *
 * @param metric names the caller in the error messages.
 */
export function checkBinaryInput(
  metric: string,
  labels: BinaryLabels,
  scores: Scores,
  options: CheckBinaryInputOptions = {},
): CheckedBinaryInput {
  const { probabilities = false, bothClasses = false, somePositive = false } = options;
  if (!isLabelArray(labels))
    throw new TypeError(`${metric}: labels must be a Uint8Array or an array of numbers`);
  if (!(scores instanceof Float64Array || Array.isArray(scores))) {
    throw new TypeError(`${metric}: scores must be a Float64Array or an array of numbers`);
  }
  if (labels.length !== scores.length) {
    throw new RangeError(`${metric}: labels has ${labels.length} entries but scores has ${scores.length}`);
  }
  if (labels.length === 0) throw new RangeError(`${metric}: labels and scores are empty`);

  const n = labels.length;
  const checkedLabels = new Uint8Array(n);
  const checkedScores = new Float64Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1)
      throw new RangeError(`${metric}: labels[${i}] is ${label}; labels must be 0 or 1`);
    const score = scores[i];
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new RangeError(`${metric}: scores[${i}] is ${score}; scores must be finite numbers`);
    }
    if (probabilities && (score < 0 || score > 1)) {
      throw new RangeError(`${metric}: scores[${i}] is ${score}; probabilities must lie in [0, 1]`);
    }
    checkedLabels[i] = label;
    checkedScores[i] = score;
    positives += label;
  }

  if ((bothClasses || somePositive) && positives === 0) {
    throw new RangeError(`${metric}: all ${n} labels are 0; the metric needs at least one positive row`);
  }
  if (bothClasses && positives === n) {
    throw new RangeError(`${metric}: all ${n} labels are 1; the metric needs at least one negative row`);
  }
  return { labels: checkedLabels, scores: checkedScores, positives };
}

function isLabelArray(value: unknown): value is BinaryLabels {
  return (
    Array.isArray(value) ||
    value instanceof Uint8Array ||
    value instanceof Float32Array ||
    value instanceof Float64Array
  );
}
