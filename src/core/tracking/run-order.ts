/** Orderings that both tracking stores use for search results, so that they sort runs alike. */

/** Descending by a metric; runs without the metric, or with NaN, come last. */
export function compareMetricDesc(a: number | undefined, b: number | undefined): number {
  const missingA = a === undefined || Number.isNaN(a);
  const missingB = b === undefined || Number.isNaN(b);
  if (missingA || missingB) return Number(missingA) - Number(missingB);
  return (a as number) > (b as number) ? -1 : (a as number) < (b as number) ? 1 : 0;
}

/** Code-unit order, as Python compares strings. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
