import { MISSING } from '../data/contract.js';
import { FIELD_BY_KEY, FIELDS, type FieldSpec } from './fields.js';
import { valueOf } from './record-encoder.js';
import type { PatientRecord } from './validation.js';

/**
 * Records and rows of the file, both ways. A row of a CSV file holds strings (`?` for missing); a JSON record
 * holds integers for counts and codes and null or `?` for missing. A row becomes a record here so that it goes
 * through the very validation and encoding a request does; a record becomes the row the file would hold when
 * it is captured, so that captured data reads back as a table of the file's columns.
 */

const WHOLE_NUMBER = /^-?\d+$/;
const NUMERIC_KINDS = new Set(['count', 'code', 'identifier']);

/** Reads the rows of one file: which field each column is, and how its values become JSON. */
export interface RowReader {
  /** The field each column of the header names (either spelling), or undefined for other columns. */
  fields: (FieldSpec | undefined)[];
  /**
   * A CSV row as a JSON record under the header's own names. Whole numbers in numeric fields become numbers;
   * anything else stays a string, so that the schema reports it as the wrong type.
   */
  read(row: readonly string[]): PatientRecord;
}

export function rowReader(header: readonly string[]): RowReader {
  const fields = header.map((name) => FIELD_BY_KEY.get(name));
  const columns = header.flatMap((name, i) => {
    const field = fields[i];
    return field ? [{ name, i, numeric: NUMERIC_KINDS.has(field.kind) }] : [];
  });
  return {
    fields,
    read(row) {
      const record: PatientRecord = {};
      for (const { name, i, numeric } of columns) {
        const raw = row[i];
        record[name] = numeric && WHOLE_NUMBER.test(raw) ? Number(raw) : raw;
      }
      return record;
    },
  };
}

/** A record as the file would hold it: the data set's column names, strings, `?` for missing. */
export function fileValuesOf(record: PatientRecord): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = valueOf(record, field);
    if (value === undefined) continue;
    values[field.name] = value === null ? MISSING : String(value);
  }
  return values;
}
