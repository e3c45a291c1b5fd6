import {
  AGE_BANDS,
  COLUMNS,
  EXCLUDED_DISPOSITIONS,
  READMITTED_VALUES,
  type ColumnSpec,
} from '../data/contract.js';
import { REQUIRED_RAW_COLUMNS } from '../features/engineer.js';
import { SEEN_VALUES } from './seen-values.js';

/**
 * The fields of a record that `POST /predict` and `predict` accept: every column of the data set but the
 * target, each under its own name (`glyburide-metformin`, `A1Cresult`) and its snake_case spelling
 * (`glyburide_metformin`, `a1c_result`). The model's raw inputs are required; the other columns
 * (identifiers, weight, payer code, specialty, readmitted) may come along, as in a row of the file, and are
 * checked but not used.
 *
 * Where the allowed values come from: integer ranges from the column contract; the values of categorical
 * columns from the real file (`seen-values.ts`, written by test/fixtures/serving/make-vocabulary.py), joined
 * with the contract's closed sets, so that `examide`, which is always `No` in the file, still takes the
 * four values every medication takes; missing (`?` or null) wherever the contract lets the column be
 * missing; the expired and hospice dispositions, which the file barely holds, so that such a record gets
 * the answer that readmission is undefined for it rather than a bare "not allowed".
 */
export type FieldKind = 'count' | 'code' | 'category' | 'diagnosis' | 'identifier' | 'target';

export interface FieldSpec {
  /** The column's name in the data set. */
  name: string;
  /** Its snake_case spelling; the same as `name` for most columns. */
  snake: string;
  kind: FieldKind;
  /** Whether the model needs it. */
  required: boolean;
  nullable: boolean;
  /** Allowed values of categorical and code fields, without the missing value. */
  values?: readonly (string | number)[];
  /** Inclusive range of count fields. */
  range?: [number, number];
  /** What a valid value is, in words, for error answers. */
  expected: string;
}

/** A missing value in a JSON record: `?` as in the file, or null. */
export const MISSING_VALUES = ['?', null] as const;

/**
 * ICD-9 codes as the file writes them: up to three digits with up to two decimals (leading zeros dropped,
 * `8`, `250.83`), V codes (`V57`, `V45.1`) and E codes (`E909`, `E849.3`). Every code in the file matches.
 */
export const ICD9_PATTERN = '^(V\\d{2}(\\.\\d{1,2})?|E\\d{3}(\\.\\d)?|\\d{1,3}(\\.\\d{1,2})?)$';

const CAMEL_CASE_SNAKE: Record<string, string> = { A1Cresult: 'a1c_result', diabetesMed: 'diabetes_med' };

export function snakeCaseOf(name: string): string {
  return CAMEL_CASE_SNAKE[name] ?? name.replaceAll('-', '_');
}

const CODE_COLUMNS = new Set(['admission_type_id', 'discharge_disposition_id', 'admission_source_id']);
const DIAGNOSIS_COLUMNS = new Set(['diag_1', 'diag_2', 'diag_3']);
const REQUIRED = new Set(REQUIRED_RAW_COLUMNS);
const SEEN = SEEN_VALUES as Record<string, readonly (string | number)[]>;

function fieldOf(column: ColumnSpec): FieldSpec {
  const base = {
    name: column.name,
    snake: snakeCaseOf(column.name),
    required: REQUIRED.has(column.name),
    nullable: column.nullable,
  };
  const orMissing = column.nullable ? ', or "?" or null for missing' : '';
  if (column.kind === 'target') {
    return {
      ...base,
      kind: 'target',
      values: READMITTED_VALUES,
      expected: `one of ${READMITTED_VALUES.join(', ')}`,
    };
  }
  if (column.kind === 'id') {
    return {
      ...base,
      kind: 'identifier',
      range: [0, Number.MAX_SAFE_INTEGER],
      expected: 'a whole number >= 0',
    };
  }
  if (CODE_COLUMNS.has(column.name)) {
    const seen = SEEN[column.name] as number[];
    const values =
      column.name === 'discharge_disposition_id' ? union(seen, [...EXCLUDED_DISPOSITIONS]) : seen;
    const sorted = [...values].sort((a, b) => Number(a) - Number(b));
    return { ...base, kind: 'code', values: sorted, expected: `one of the codes ${sorted.join(', ')}` };
  }
  if (column.kind === 'integer') {
    const range = column.range as [number, number];
    return { ...base, kind: 'count', range, expected: `a whole number from ${range[0]} to ${range[1]}` };
  }
  if (DIAGNOSIS_COLUMNS.has(column.name)) {
    return { ...base, kind: 'diagnosis', expected: `an ICD-9 code such as 250.83, V57 or E909${orMissing}` };
  }
  const seen = SEEN[column.name];
  if (!seen) throw new Error(`seen-values.ts has no values for the column ${column.name}; rerun its script`);
  const values = column.name === 'age' ? [...AGE_BANDS] : union(seen, column.values ?? []);
  return { ...base, kind: 'category', values, expected: `one of ${values.join(', ')}${orMissing}` };
}

function union<T>(first: readonly T[], second: readonly T[]): T[] {
  return [...new Set([...first, ...second])];
}

/** Every field a record may carry, in the file's column order. */
export const FIELDS: readonly FieldSpec[] = COLUMNS.map(fieldOf);

/** The fields whose snake_case spelling differs from the data set's name. */
export const ALIASED_FIELDS: readonly FieldSpec[] = FIELDS.filter((field) => field.snake !== field.name);

/** A field by either of its spellings. */
export const FIELD_BY_KEY: ReadonlyMap<string, FieldSpec> = new Map(
  FIELDS.flatMap((field) => [
    [field.name, field],
    [field.snake, field],
  ]),
);
