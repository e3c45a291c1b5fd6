/**
 * The record schema against the real file and the column contract: the committed vocabulary is what the file
 * holds (recomputed here with the project's own reader, not the Python script that wrote it), every code in
 * the file passes the ICD-9 pattern, and each field has the spellings and rules the service promises.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { AGE_BANDS, COLUMNS, EXCLUDED_DISPOSITIONS, MISSING } from '../../src/core/data/contract.js';
import { readDataset } from '../../src/core/data/read.js';
import type { Table } from '../../src/core/data/table.js';
import { REQUIRED_RAW_COLUMNS } from '../../src/core/features/engineer.js';
import { CHAMPION_ALIAS, CHAMPION_MODEL } from '../../src/core/pipeline/register.js';
import { FIELDS, ICD9_PATTERN, snakeCaseOf } from '../../src/core/serving/fields.js';
import { DEFAULT_MODEL_URI } from '../../src/core/serving/model-loader.js';
import { PATIENT_RECORD_SCHEMA } from '../../src/core/serving/schema.js';
import { SEEN_VALUES } from '../../src/core/serving/seen-values.js';
import { REAL_DATA } from './helpers.js';

let table: Table;

beforeAll(async () => {
  table = await readDataset(REAL_DATA);
});

function distinct(name: string): string[] {
  const i = table.columns.indexOf(name);
  return [...new Set(table.rows.map((row) => row[i]))].filter((value) => value !== MISSING);
}

const property = (name: string) =>
  (PATIENT_RECORD_SCHEMA.properties as Record<string, Record<string, unknown>>)[name];

describe('the vocabulary of the record schema', () => {
  it('holds exactly the values the real file holds, for every column it lists', () => {
    for (const [name, values] of Object.entries(SEEN_VALUES)) {
      const expected = distinct(name);
      const asStrings = (values as readonly (string | number)[]).map(String);
      expect(new Set(asStrings), name).toEqual(new Set(expected));
    }
  });

  it('covers every categorical column of the contract but the free-text diagnoses', () => {
    const categorical = COLUMNS.filter((c) => c.kind === 'category').map((c) => c.name);
    const codes = ['admission_type_id', 'discharge_disposition_id', 'admission_source_id'];
    const expected = [...categorical.filter((name) => !name.startsWith('diag_')), ...codes].sort();
    expect(Object.keys(SEEN_VALUES).sort()).toEqual(expected);
  });

  it('accepts every diagnosis code of the real file and refuses what is not an ICD-9 code', () => {
    const pattern = new RegExp(ICD9_PATTERN);
    for (const name of ['diag_1', 'diag_2', 'diag_3']) {
      const codes = distinct(name);
      expect(codes.length).toBeGreaterThan(700);
      expect(codes.filter((code) => !pattern.test(code))).toEqual([]);
    }
    for (const bad of ['', 'ABC', '250.123', '1234', 'V5', 'E90', '25O', ' 250'])
      expect(pattern.test(bad), bad).toBe(false);
  });
});

describe('the fields of a record', () => {
  it('require exactly the raw columns the model is built from', () => {
    expect(FIELDS.filter((f) => f.required).map((f) => f.name)).toEqual(
      [...REQUIRED_RAW_COLUMNS].sort(
        (a, b) => COLUMNS.findIndex((c) => c.name === a) - COLUMNS.findIndex((c) => c.name === b),
      ),
    );
  });

  it('spell in snake_case the seven columns whose names are not', () => {
    // Written out by hand from the file's header.
    const expected = {
      A1Cresult: 'a1c_result',
      'glyburide-metformin': 'glyburide_metformin',
      'glipizide-metformin': 'glipizide_metformin',
      'glimepiride-pioglitazone': 'glimepiride_pioglitazone',
      'metformin-rosiglitazone': 'metformin_rosiglitazone',
      'metformin-pioglitazone': 'metformin_pioglitazone',
      diabetesMed: 'diabetes_med',
    };
    const renamed = Object.fromEntries(
      FIELDS.filter((f) => f.snake !== f.name).map((f) => [f.name, f.snake]),
    );
    expect(renamed).toEqual(expected);
    expect(snakeCaseOf('diag_1')).toBe('diag_1');
  });

  it('publish both spellings, with the same rule, in the schema', () => {
    expect(property('glyburide_metformin')).toEqual(property('glyburide-metformin'));
    expect(property('a1c_result')).toEqual(property('A1Cresult'));
    expect(PATIENT_RECORD_SCHEMA.additionalProperties).toBe(false);
  });

  it('allow missing values exactly where the contract does', () => {
    expect(property('race').enum).toEqual([
      'AfricanAmerican',
      'Asian',
      'Caucasian',
      'Hispanic',
      'Other',
      '?',
      null,
    ]);
    expect(property('age').enum).toEqual([...AGE_BANDS]);
    expect(property('change').enum).toEqual(['Ch', 'No']);
    expect(property('diag_3').type).toEqual(['string', 'null']);
  });

  it('keep the four values of every medication, even where the file has only No', () => {
    expect(SEEN_VALUES.examide).toEqual(['No']);
    expect(new Set(property('examide').enum as string[])).toEqual(new Set(['No', 'Steady', 'Up', 'Down']));
  });

  it('take integer ranges from the contract and the expired and hospice codes among the dispositions', () => {
    expect(property('time_in_hospital')).toMatchObject({ type: 'integer', minimum: 1, maximum: 14 });
    expect(property('num_lab_procedures')).toMatchObject({ type: 'integer', minimum: 0, maximum: 200 });
    const dispositions = property('discharge_disposition_id').enum as number[];
    for (const code of EXCLUDED_DISPOSITIONS) expect(dispositions).toContain(code);
    // 21 (expired, place unknown) never occurs in the file but is still answered as undefined, not unknown.
    expect(SEEN_VALUES.discharge_disposition_id).not.toContain(21);
  });
});

it('serves by default the champion that register promotes', () => {
  expect(DEFAULT_MODEL_URI).toBe(`models:/${CHAMPION_MODEL}@${CHAMPION_ALIAS}`);
});
