import type { Category } from './types.js';

export interface CategoryCounts {
  /** The union of the labels seen in either sample, in the order {@link compareCategories} gives. */
  categories: Category[];
  reference: Float64Array;
  current: Float64Array;
}

/**
 * Counts each label in both samples over the union of their labels (Evidently's
 * `get_unique_not_nan_values_list_from_series` plus `value_counts`). Missing values must already be dropped.
 *
 * @param reference - labels of the reference sample
 * @param current - labels of the current sample
 * @returns the sorted union and the two count vectors aligned with it
 */
export function countCategories(
  reference: ArrayLike<Category>,
  current: ArrayLike<Category>,
): CategoryCounts {
  const referenceCounts = tally(reference);
  const currentCounts = tally(current);
  const categories = [...new Set([...referenceCounts.keys(), ...currentCounts.keys()])].sort(
    compareCategories,
  );
  return {
    categories,
    reference: Float64Array.from(categories, (c) => referenceCounts.get(c) ?? 0),
    current: Float64Array.from(categories, (c) => currentCounts.get(c) ?? 0),
  };
}

/** Python's `sorted` order for one kind of label: numbers by value, strings by code point. */
export function compareCategories(a: Category, b: Category): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function tally(values: ArrayLike<Category>): Map<Category, number> {
  const counts = new Map<Category, number>();
  for (let i = 0; i < values.length; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
  return counts;
}
