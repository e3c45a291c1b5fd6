import { binaryCurve } from './binary-curve.js';
import { checkBinaryInput } from './check-binary-input.js';
import type { BinaryLabels, RocCurveResult, Scores } from './types.js';

export interface RocCurveOptions {
  /**
   * Drop thresholds whose point lies on a straight segment between its neighbours, as scikit-learn's
   * `drop_intermediate=True`. They change neither the drawn curve nor its area. Default true.
   */
  dropIntermediate?: boolean;
  /**
   * Keep at most this many points (at least 2), evenly spaced along the curve's points and always including
   * both ends, for charts. Default: keep all.
   */
  maxPoints?: number;
}

/** The ROC curve as scikit-learn 1.2's `roc_curve`. Needs both classes. */
export function rocCurve(
  labels: BinaryLabels,
  scores: Scores,
  options: RocCurveOptions = {},
): RocCurveResult {
  const { dropIntermediate = true, maxPoints } = options;
  if (maxPoints !== undefined && !(Number.isInteger(maxPoints) && maxPoints >= 2)) {
    throw new RangeError(`rocCurve: maxPoints is ${maxPoints}; it must be an integer of at least 2`);
  }
  const input = checkBinaryInput('rocCurve', labels, scores, { bothClasses: true });
  const curve = binaryCurve(input.labels, input.scores);

  const { truePositives: tps, falsePositives: fps, thresholds } = curve;
  const last = tps.length - 1;
  let kept: number[] = [];
  for (let k = 0; k <= last; k++) {
    const corner =
      k === 0 ||
      k === last ||
      fps[k - 1] - 2 * fps[k] + fps[k + 1] !== 0 ||
      tps[k - 1] - 2 * tps[k] + tps[k + 1] !== 0;
    if (!dropIntermediate || corner) kept.push(k);
  }

  const fpr = [0];
  const tpr = [0];
  const cuts = [thresholds[0] + 1];
  for (const k of kept) {
    fpr.push(fps[k] / curve.negatives);
    tpr.push(tps[k] / curve.positives);
    cuts.push(thresholds[k]);
  }
  if (maxPoints === undefined || fpr.length <= maxPoints) return { fpr, tpr, thresholds: cuts };

  kept = evenlySpaced(fpr.length, maxPoints);
  return { fpr: kept.map((i) => fpr[i]), tpr: kept.map((i) => tpr[i]), thresholds: kept.map((i) => cuts[i]) };
}

/** `count` distinct indices into `length` items, first and last included; needs length > count >= 2. */
function evenlySpaced(length: number, count: number): number[] {
  const indices: number[] = [];
  for (let j = 0; j < count; j++) indices.push(Math.round((j * (length - 1)) / (count - 1)));
  return indices;
}
