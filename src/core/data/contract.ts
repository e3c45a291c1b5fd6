/**
 * The column contract of the UCI "Diabetes 130-US hospitals 1999-2008" file: every column, in file order,
 * with what its values must be. `?` marks a missing value in the raw file.
 */

export type ColumnKind = 'id' | 'integer' | 'category' | 'target';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** Whether `?` (missing) is allowed. */
  nullable: boolean;
  /** For integer columns, the inclusive range a value must fall in. */
  range?: [number, number];
  /** For category and target columns with a closed set of values, the values allowed besides `?`. */
  values?: readonly string[];
}

export const MISSING = '?';

const MEDICATIONS = [
  'metformin',
  'repaglinide',
  'nateglinide',
  'chlorpropamide',
  'glimepiride',
  'acetohexamide',
  'glipizide',
  'glyburide',
  'tolbutamide',
  'pioglitazone',
  'rosiglitazone',
  'acarbose',
  'miglitol',
  'troglitazone',
  'tolazamide',
  'examide',
  'citoglipton',
  'insulin',
  'glyburide-metformin',
  'glipizide-metformin',
  'glimepiride-pioglitazone',
  'metformin-rosiglitazone',
  'metformin-pioglitazone',
];

/** The ten-year age bands of the `age` column, youngest first. */
export const AGE_BANDS = [
  '[0-10)',
  '[10-20)',
  '[20-30)',
  '[30-40)',
  '[40-50)',
  '[50-60)',
  '[60-70)',
  '[70-80)',
  '[80-90)',
  '[90-100)',
] as const;

const MEDICATION_VALUES = ['No', 'Steady', 'Up', 'Down'];

export const READMITTED_VALUES = ['NO', '>30', '<30'] as const;

const id = (name: string): ColumnSpec => ({ name, kind: 'id', nullable: false });
const integer = (name: string, range: [number, number]): ColumnSpec => ({
  name,
  kind: 'integer',
  nullable: false,
  range,
});
const category = (name: string, nullable = true, values?: readonly string[]): ColumnSpec => ({
  name,
  kind: 'category',
  nullable,
  ...(values ? { values } : {}),
});

export const COLUMNS: readonly ColumnSpec[] = [
  id('encounter_id'),
  id('patient_nbr'),
  category('race'),
  category('gender'),
  category('age', false, AGE_BANDS),
  category('weight'),
  integer('admission_type_id', [1, 99]),
  integer('discharge_disposition_id', [1, 99]),
  integer('admission_source_id', [1, 99]),
  integer('time_in_hospital', [1, 14]),
  category('payer_code'),
  category('medical_specialty'),
  integer('num_lab_procedures', [0, 200]),
  integer('num_procedures', [0, 20]),
  integer('num_medications', [0, 200]),
  integer('number_outpatient', [0, 100]),
  integer('number_emergency', [0, 100]),
  integer('number_inpatient', [0, 100]),
  category('diag_1'),
  category('diag_2'),
  category('diag_3'),
  integer('number_diagnoses', [0, 30]),
  category('max_glu_serum'),
  category('A1Cresult'),
  ...MEDICATIONS.map((name) => category(name, false, MEDICATION_VALUES)),
  category('change', false, ['No', 'Ch']),
  category('diabetesMed', false, ['Yes', 'No']),
  { name: 'readmitted', kind: 'target', nullable: false, values: READMITTED_VALUES },
];

export const COLUMN_NAMES: readonly string[] = COLUMNS.map((column) => column.name);
export const MEDICATION_COLUMNS: readonly string[] = MEDICATIONS;

/** The column that split adds: the binary target, computed once from `readmitted`. */
export const TARGET_COLUMN = 'target';

export type TargetName = 'any' | 'within30';

export function targetOf(readmitted: string, target: TargetName): 0 | 1 {
  if (target === 'within30') return readmitted === '<30' ? 1 : 0;
  return readmitted === 'NO' ? 0 : 1;
}

/** Discharge dispositions after which readmission cannot happen: expired (11, 19, 20, 21) or hospice (13, 14). */
export const EXCLUDED_DISPOSITIONS: ReadonlySet<number> = new Set([11, 13, 14, 19, 20, 21]);
