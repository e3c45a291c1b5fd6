import { MISSING } from '../data/contract.js';
import { ageOrdinal, MISSING_CATEGORY } from '../features/engineer.js';
import { diagnosisGroup } from '../features/icd9.js';
import type { PreprocessorSpec } from '../features/preprocessor.js';
import { FIELD_BY_KEY, type FieldSpec } from './fields.js';
import type { PatientRecord } from './validation.js';

/**
 * The preprocessor of a model compiled for records: it writes one record's feature row straight into a
 * reusable buffer, with no table, no per-column arrays and no maps built per call. It computes what
 * `transform(spec, table, { imputeMissing: true })` computes for the same row, step for step (the age band
 * to its decade, a count standardised in float64 and stored as float32, missing numbers to 0, ICD-9 codes to
 * their chapter group, `?` or null to the `missing` category, a value outside the vocabulary to `other`), so
 * that a record scores exactly as the same row of a CSV file does through `scoreTable`.
 */
export interface RecordEncoder {
  /** Columns of a feature row: the preprocessor's feature names. */
  readonly cols: number;
  /** Writes the feature row of `record` at `row` of `out` (row-major, `cols` wide); the row must be zeros. */
  encode(record: PatientRecord, out: Float32Array, row: number): void;
}

interface NumericStep {
  field: FieldSpec;
  column: number;
  mean: number;
  scale: number;
  age: boolean;
}

interface CategoricalStep {
  field: FieldSpec;
  /** First column of the field's one-hot block. */
  offset: number;
  /** Column within the block of each vocabulary value; values not in it go to the `other` column. */
  position: Map<string, number>;
  other: number;
  diagnosis: boolean;
}

export function compileRecordEncoder(spec: PreprocessorSpec): RecordEncoder {
  const cols = spec.featureNames.length;
  const numeric: NumericStep[] = spec.numeric.map(({ name, mean, std }, column) => ({
    field: sourceField(name),
    column,
    mean,
    scale: std > 0 ? 1 / std : 1,
    age: name === 'age',
  }));

  let offset = spec.numeric.length;
  const categorical: CategoricalStep[] = spec.categorical.map(({ name, vocabulary }) => {
    const step = {
      field: sourceField(name),
      offset,
      position: new Map(vocabulary.map((value, k) => [value, k])),
      other: vocabulary.length,
      diagnosis: name.endsWith('_group'),
    };
    offset += vocabulary.length + 1;
    return step;
  });
  if (offset !== cols) {
    throw new Error(`the preprocessor has ${cols} feature names but its inputs make ${offset} columns`);
  }

  return {
    cols,
    encode(record, out, row) {
      const start = row * cols;
      for (const step of numeric) {
        const raw = valueOf(record, step.field);
        const value = step.age ? ageOrdinal(raw as string) : isMissing(raw) ? Number.NaN : Number(raw);
        const standardised = (value - step.mean) * step.scale;
        out[start + step.column] = Number.isNaN(standardised) ? 0 : standardised;
      }
      for (const step of categorical) {
        const category = categoryOf(valueOf(record, step.field), step.diagnosis);
        out[start + step.offset + (step.position.get(category) ?? step.other)] = 1;
      }
    },
  };
}

/** The record field an input column is made from: itself, or `diag_1` for `diag_1_group`. */
function sourceField(input: string): FieldSpec {
  const name = input.endsWith('_group') ? input.slice(0, -'_group'.length) : input;
  const field = FIELD_BY_KEY.get(name);
  if (!field) throw new Error(`the preprocessor's input "${input}" is not made from any field of a record`);
  return field;
}

/** A field under either of its spellings. */
export function valueOf(record: PatientRecord, field: FieldSpec): unknown {
  const value = record[field.name];
  return value === undefined && field.snake !== field.name ? record[field.snake] : value;
}

function isMissing(value: unknown): boolean {
  return value === null || value === undefined || value === MISSING || value === '';
}

function categoryOf(value: unknown, diagnosis: boolean): string {
  if (isMissing(value)) return MISSING_CATEGORY;
  const text = typeof value === 'string' ? value : String(value);
  return diagnosis ? diagnosisGroup(text) : text;
}
