/** How numbers and names read in the charts and pages, kept in one place so the two always agree. */

/**
 * Registry versions are bare numbers (`3`); a chart or table says `v3`. Other names are shown as they are.
 */
export function displayVersion(version: string): string {
  return /^\d+$/.test(version) ? `v${version}` : version;
}

/** A share in [0, 1] as a percentage with one decimal: `0.41666` gives `41.7%`. */
export function formatPercent(share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
}

export function formatAuc(auc: number | null): string {
  return auc === null ? '—' : auc.toFixed(3);
}
