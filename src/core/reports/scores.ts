import type { ColumnDrift } from './types.js';

/**
 * Whether a test's score is a p-value (drift below the threshold) or a distance (drift at or above it). Read
 * from the verdict itself rather than from a list of test names, so tests added later are drawn the right way
 * round: a p-value drifts exactly when score < threshold, a distance exactly when it does not.
 */
export function isPValue(column: ColumnDrift): boolean {
  return column.score < column.threshold === column.drifted;
}

/**
 * Drift strengths are clamped to this range: past a factor of ten either way the colour says all there is.
 */
export const STRENGTH_DOMAIN = [0.1, 10] as const;

/**
 * How far a score is past its threshold, as a factor that reads the same way for both kinds of test: above 1
 * drifted, below 1 not, 1 on the threshold. Distances give score ÷ threshold, p-values threshold ÷ score.
 */
export function driftRatio(column: ColumnDrift): number {
  const tiny = 1e-300;
  return isPValue(column)
    ? column.threshold / Math.max(column.score, tiny)
    : column.score / Math.max(column.threshold, tiny);
}

/** `driftRatio` clamped to `STRENGTH_DOMAIN`, for colour scales. */
export function driftStrength(column: ColumnDrift): number {
  return Math.min(Math.max(driftRatio(column), STRENGTH_DOMAIN[0]), STRENGTH_DOMAIN[1]);
}

/** A short score for a heatmap cell: `p=0.012`, `p<0.001` or a distance such as `0.137`. */
export function formatCellScore(column: ColumnDrift): string {
  if (isPValue(column)) return column.score < 0.001 ? 'p<0.001' : `p=${column.score.toFixed(3)}`;
  return column.score.toFixed(column.score >= 10 ? 1 : 3);
}

/** A score for a table, precise enough to compare with its threshold: `0.0123`, `3.41e-7`. */
export function formatScore(score: number): string {
  if (score !== 0 && Math.abs(score) < 0.001) return score.toExponential(2);
  return score.toFixed(4);
}
