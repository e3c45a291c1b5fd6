/** A plain text table for stdout: columns padded to their widest cell, numbers right-aligned. */
export function renderTable(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell))));
  const widths = headers.map((header, j) => Math.max(header.length, ...cells.map((row) => row[j].length)));
  const numeric = headers.map((_, j) => rows.every((row) => row[j] === null || typeof row[j] === 'number'));
  const line = (row: string[]) =>
    row
      .map((cell, j) => (numeric[j] ? cell.padStart(widths[j]) : cell.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function fixed(value: number | null | undefined, digits = 4): string | null {
  return value === null || value === undefined || Number.isNaN(value) ? null : value.toFixed(digits);
}
