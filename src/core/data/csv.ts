import { Writable, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { CsvError, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';

import { UserError } from '../errors/index.js';
import type { Table } from './table.js';
import { badInput, checkHeader, rowChecker, type ContractName } from './validate.js';

export interface ParseCsvOptions {
  /** The name used in error messages and as the table's source. */
  file: string;
  contract: ContractName;
  /** Turns a failure of the byte stream (a read error, a corrupt `.gz`) into the error to report. */
  sourceError?: (error: Error) => Error;
}

/**
 * Parses a CSV byte stream into a table, checking every record against the column contract as it arrives, so
 * the first bad record stops the read and is reported with the line it is on. `decoders` (gunzip) sit between
 * the bytes and the parser.
 */
export async function parseCsvStream(
  input: Readable,
  decoders: Transform[],
  options: ParseCsvOptions,
): Promise<Table> {
  const collector = new Collector(options);
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    on_record: collector.onRecord,
  });

  let failedSource: Error | undefined;
  for (const stream of [input, ...decoders]) stream.once('error', (error) => (failedSource ??= error));
  try {
    await pipeline([input, ...decoders, parser, discard()]);
  } catch (error) {
    throw readError(error as Error, failedSource, options);
  }
  return collector.table();
}

/** The same as `parseCsvStream` for CSV text already in memory (a reference sample kept with a model). */
export function parseCsvText(text: string, options: ParseCsvOptions): Table {
  const collector = new Collector(options);
  try {
    parseSync(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: collector.onRecord,
    });
  } catch (error) {
    throw readError(error as Error, undefined, options);
  }
  return collector.table();
}

/**
 * Validation runs in on_record because only there is `lines` the line of the record itself; records are
 * kept here and never passed on by the parser.
 */
class Collector {
  private columns: string[] | undefined;
  private readonly rows: string[][] = [];
  private checkRow: ((record: string[], line: number) => void) | undefined;

  constructor(private readonly options: ParseCsvOptions) {}

  readonly onRecord = (record: string[], context: { lines: number }): null => {
    if (this.checkRow) {
      this.checkRow(record, context.lines);
      this.rows.push(record);
    } else {
      const { file, contract } = this.options;
      this.columns = record;
      this.checkRow = rowChecker(checkHeader(record, contract, file), file);
    }
    return null;
  };

  table(): Table {
    const { file, contract } = this.options;
    if (!this.columns) throw badInput(`${file} is empty`, 'pass the full diabetic_data.csv');
    if (this.rows.length === 0 && contract === 'raw') {
      throw badInput(`${file} has a header but no rows`, 'pass the full diabetic_data.csv');
    }
    return { columns: this.columns, rows: this.rows, source: file };
  }
}

function readError(error: Error, failedSource: Error | undefined, options: ParseCsvOptions): Error {
  if (error instanceof UserError) return error;
  if (error === failedSource && options.sourceError) return options.sourceError(error);
  if (error instanceof CsvError) {
    const kind = error.message.split(':')[0].toLowerCase();
    return badInput(`${options.file}: line ${error.lines} is not valid CSV (${kind})`);
  }
  return error;
}

function discard(): Writable {
  return new Writable({ objectMode: true, write: (_record, _encoding, done) => done() });
}

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Writes a table as CSV with `\n` line ends. A value is quoted only when it holds a comma, a quote or a line
 * break, so values such as `[0-10)` and `>30` stay as they are in the UCI file and every value reads back as
 * the same string.
 */
export function toCsv(table: Table): string {
  const lines = [table.columns, ...table.rows].map((row) => row.map(formatValue).join(','));
  return `${lines.join('\n')}\n`;
}

function formatValue(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
