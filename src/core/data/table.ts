/** Rows read from a CSV file, every value kept as the raw string (missing is `?`). */
export interface Table {
  columns: string[];
  rows: string[][];
  /** Where the rows came from, for error messages. */
  source: string;
}

export function columnIndex(table: Table, name: string): number {
  const index = table.columns.indexOf(name);
  if (index < 0) throw new Error(`column "${name}" is not in ${table.source}`);
  return index;
}

export function columnValues(table: Table, name: string): string[] {
  const index = columnIndex(table, name);
  return table.rows.map((row) => row[index]);
}

export function selectRows(table: Table, rows: string[][], source = table.source): Table {
  return { columns: table.columns, rows, source };
}
