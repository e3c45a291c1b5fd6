import { EXCLUDED_DISPOSITIONS, MEDICATION_COLUMNS, MISSING } from '../data/contract.js';
import type { Table } from '../data/table.js';
import { diagnosisGroup } from './icd9.js';

/**
 * The model's input columns after cleaning and engineering, before encoding. These are also the columns that
 * drift monitoring compares, so a drift report speaks of what the model sees.
 */
export type FeatureKind = 'numeric' | 'categorical';

export interface InputColumn {
  name: string;
  kind: FeatureKind;
}

const NUMERIC_SOURCES = [
  'time_in_hospital',
  'num_lab_procedures',
  'num_procedures',
  'num_medications',
  'number_outpatient',
  'number_emergency',
  'number_inpatient',
  'number_diagnoses',
];

const CATEGORICAL_SOURCES = [
  'race',
  'gender',
  'admission_type_id',
  'discharge_disposition_id',
  'admission_source_id',
  'max_glu_serum',
  'A1Cresult',
  ...MEDICATION_COLUMNS,
  'change',
  'diabetesMed',
];

export const INPUT_COLUMNS: readonly InputColumn[] = [
  { name: 'age', kind: 'numeric' },
  ...NUMERIC_SOURCES.map((name) => ({ name, kind: 'numeric' as const })),
  ...CATEGORICAL_SOURCES.map((name) => ({ name, kind: 'categorical' as const })),
  { name: 'diag_1_group', kind: 'categorical' },
  { name: 'diag_2_group', kind: 'categorical' },
  { name: 'diag_3_group', kind: 'categorical' },
];

/** The raw columns a record must carry to be scored. */
export const REQUIRED_RAW_COLUMNS: readonly string[] = [
  'age',
  ...NUMERIC_SOURCES,
  ...CATEGORICAL_SOURCES,
  'diag_1',
  'diag_2',
  'diag_3',
];

/** The value a missing (`?`) categorical takes, so that missingness is a category of its own. */
export const MISSING_CATEGORY = 'missing';

/** `[70-80)` becomes 7: the decade's index, an ordinal the models can split on. */
export function ageOrdinal(bracket: string): number {
  const match = /^\[(\d+)-(\d+)\)$/.exec(bracket);
  if (!match) return Number.NaN;
  return Number(match[1]) / 10;
}

/** Engineered columns of a table: numeric ones as numbers (NaN when missing), categorical ones as strings. */
export interface EngineeredColumns {
  rows: number;
  numeric: Map<string, Float64Array>;
  categorical: Map<string, string[]>;
}

export function engineer(table: Table): EngineeredColumns {
  const index = new Map(table.columns.map((name, i) => [name, i]));
  const at = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`column "${name}" is not in ${table.source}`);
    return i;
  };
  const n = table.rows.length;
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, string[]>();

  const age = new Float64Array(n);
  const ageAt = at('age');
  for (let r = 0; r < n; r++) age[r] = ageOrdinal(table.rows[r][ageAt]);
  numeric.set('age', age);

  for (const name of NUMERIC_SOURCES) {
    const column = new Float64Array(n);
    const i = at(name);
    for (let r = 0; r < n; r++) {
      const raw = table.rows[r][i];
      column[r] = raw === MISSING || raw === '' ? Number.NaN : Number(raw);
    }
    numeric.set(name, column);
  }

  for (const name of CATEGORICAL_SOURCES) {
    const i = at(name);
    categorical.set(
      name,
      table.rows.map((row) => (row[i] === MISSING || row[i] === '' ? MISSING_CATEGORY : row[i])),
    );
  }
  for (const name of ['diag_1', 'diag_2', 'diag_3']) {
    const i = at(name);
    categorical.set(
      `${name}_group`,
      table.rows.map((row) =>
        row[i] === MISSING || row[i] === '' ? MISSING_CATEGORY : diagnosisGroup(row[i]),
      ),
    );
  }
  return { rows: n, numeric, categorical };
}

/** Training data leaves out encounters after which readmission cannot happen (expired, hospice). */
export function withoutExcludedDispositions(table: Table): Table {
  const i = table.columns.indexOf('discharge_disposition_id');
  const rows = table.rows.filter((row) => !EXCLUDED_DISPOSITIONS.has(Number(row[i])));
  return { columns: table.columns, rows, source: table.source };
}
