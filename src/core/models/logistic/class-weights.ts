/**
 * One weight per row: all 1 without a class weight, or scikit-learn's `'balanced'`,
 * `rows / (2 * rows of the row's class)`, so that both classes weigh the same in total.
 */
export function sampleWeights(labels: Uint8Array, classWeight: 'balanced' | undefined): Float64Array {
  const rows = labels.length;
  const weights = new Float64Array(rows).fill(1);
  if (classWeight === undefined) return weights;

  let positives = 0;
  for (let i = 0; i < rows; i++) positives += labels[i];
  const positiveWeight = rows / (2 * positives);
  const negativeWeight = rows / (2 * (rows - positives));
  for (let i = 0; i < rows; i++) weights[i] = labels[i] === 1 ? positiveWeight : negativeWeight;
  return weights;
}
