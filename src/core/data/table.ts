/** Where a table's file came from: the source as the user gave it and the bytes that were read. */
export interface SourceInfo {
  /** The path or URL as given (`--data`). */
  uri: string;
  /** The file on this machine that was read: the path itself or the cached download. */
  path: string;
  /** sha256 of the file's bytes as stored (compressed, for a `.gz` or `.zip`). */
  sha256: string;
  bytes: number;
}

/** Rows read from a CSV file, every value kept as the raw string (missing is `?`). */
export interface Table {
  columns: string[];
  rows: string[][];
  /** Where the rows came from, for error messages. */
  source: string;
  /** Set by `readDataset`, for the split manifest. */
  origin?: SourceInfo;
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

/** Rows `start` to `end` (exclusive) of a table, as `Array.slice` takes them. */
export function sliceTable(table: Table, start: number, end?: number): Table {
  return selectRows(table, table.rows.slice(start, end));
}

/** The rows of several tables with the same columns, one table after the other. */
export function concatTables(tables: Table[]): Table {
  if (tables.length === 0) throw new Error('concatTables needs at least one table');
  const [first] = tables;
  const header = first.columns.join(',');
  const other = tables.find((table) => table.columns.join(',') !== header);
  if (other) throw new Error(`${other.source} does not have the columns of ${first.source}`);
  const source = tables.length === 1 ? first.source : `${first.source} and ${tables.length - 1} more`;
  return { columns: first.columns, rows: tables.flatMap((table) => table.rows), source };
}
