/**
 * Counts at every distinct score, highest first: at point k, rows with `score >= thresholds[k]` are
 * predicted positive and `truePositives[k]`, `falsePositives[k]` of them are. This is scikit-learn's
 * `_binary_clf_curve`; ROC AUC, the ROC curve, average precision and the F1 threshold all read it.
 */
export interface BinaryCurve {
  thresholds: Float64Array;
  truePositives: Float64Array;
  falsePositives: Float64Array;
  positives: number;
  negatives: number;
}

/** O(n log n): one sort of the row order by score, then one pass. Expects checked input. */
export function binaryCurve(labels: Uint8Array, scores: Float64Array): BinaryCurve {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);

  let distinct = 1;
  for (let k = 1; k < n; k++) if (scores[order[k]] !== scores[order[k - 1]]) distinct++;

  const thresholds = new Float64Array(distinct);
  const truePositives = new Float64Array(distinct);
  const falsePositives = new Float64Array(distinct);
  let tp = 0;
  let point = 0;
  for (let k = 0; k < n; k++) {
    const row = order[k];
    tp += labels[row];
    if (k === n - 1 || scores[order[k + 1]] !== scores[row]) {
      thresholds[point] = scores[row];
      truePositives[point] = tp;
      falsePositives[point] = k + 1 - tp;
      point++;
    }
  }
  return { thresholds, truePositives, falsePositives, positives: tp, negatives: n - tp };
}
