import { describe, expect, it } from 'vitest';

import { COLUMN_NAMES } from '../../src/core/data/contract.js';
import type { Table } from '../../src/core/data/table.js';
import { ageOrdinal, engineer, withoutExcludedDispositions } from '../../src/core/features/engineer.js';
import { diagnosisGroup } from '../../src/core/features/icd9.js';
import { fitPreprocessor, transform, verifyPreprocessor } from '../../src/core/features/preprocessor.js';

/** A raw row with every column at a plain value, then the overrides. */
function row(overrides: Record<string, string>): string[] {
  const base: Record<string, string> = Object.fromEntries(COLUMN_NAMES.map((name) => [name, 'No']));
  Object.assign(base, {
    encounter_id: '1',
    patient_nbr: '1',
    race: 'Caucasian',
    gender: 'Female',
    age: '[50-60)',
    admission_type_id: '1',
    discharge_disposition_id: '1',
    admission_source_id: '7',
    time_in_hospital: '3',
    num_lab_procedures: '40',
    num_procedures: '1',
    num_medications: '12',
    number_outpatient: '0',
    number_emergency: '0',
    number_inpatient: '0',
    diag_1: '428',
    diag_2: '250.01',
    diag_3: '?',
    number_diagnoses: '9',
    max_glu_serum: 'None',
    A1Cresult: 'None',
    readmitted: 'NO',
    ...overrides,
  });
  return COLUMN_NAMES.map((name) => base[name]);
}

const table = (rows: string[][]): Table => ({ columns: [...COLUMN_NAMES], rows, source: 'test' });

describe('feature engineering', () => {
  it('maps ICD-9 codes to the chapter groups of Strack et al. (2014)', () => {
    expect(diagnosisGroup('428')).toBe('circulatory');
    expect(diagnosisGroup('785')).toBe('circulatory');
    expect(diagnosisGroup('786.5')).toBe('respiratory');
    expect(diagnosisGroup('250.83')).toBe('diabetes');
    expect(diagnosisGroup('996')).toBe('injury');
    expect(diagnosisGroup('715')).toBe('musculoskeletal');
    expect(diagnosisGroup('599')).toBe('genitourinary');
    expect(diagnosisGroup('174')).toBe('neoplasms');
    expect(diagnosisGroup('V57')).toBe('other');
    expect(diagnosisGroup('E909')).toBe('other');
    expect(diagnosisGroup('276')).toBe('other');
  });

  it('turns the age bracket into the decade index', () => {
    expect(ageOrdinal('[0-10)')).toBe(0);
    expect(ageOrdinal('[70-80)')).toBe(7);
    expect(ageOrdinal('[90-100)')).toBe(9);
  });

  it('drops expired and hospice dispositions from training data', () => {
    const rows = ['1', '11', '13', '14', '19', '20', '21', '3'].map((d) =>
      row({ discharge_disposition_id: d }),
    );
    expect(withoutExcludedDispositions(table(rows)).rows.map((r) => r[7])).toEqual(['1', '3']);
  });

  it('keeps missing diagnoses as their own category', () => {
    const columns = engineer(table([row({})]));
    expect(columns.categorical.get('diag_1_group')).toEqual(['circulatory']);
    expect(columns.categorical.get('diag_2_group')).toEqual(['diabetes']);
    expect(columns.categorical.get('diag_3_group')).toEqual(['missing']);
  });
});

describe('preprocessor', () => {
  // Twelve rows: time_in_hospital 1..12, so mean 6.5 and population std sqrt((12^2 - 1) / 12) = 3.4520...
  const rows = Array.from({ length: 12 }, (_, i) =>
    row({ time_in_hospital: String(i + 1), race: i < 11 ? 'Caucasian' : 'Asian' }),
  );
  const spec = fitPreprocessor(table(rows), { minCategoryCount: 2 });

  it('standardises numbers with the training mean and population standard deviation', () => {
    const entry = spec.numeric.find((c) => c.name === 'time_in_hospital');
    expect(entry?.mean).toBeCloseTo(6.5, 12);
    expect(entry?.std).toBeCloseTo(Math.sqrt(143 / 12), 12);
    const matrix = transform(spec, table([row({ time_in_hospital: '10' })]));
    const j = spec.featureNames.indexOf('time_in_hospital');
    expect(matrix.data[j]).toBeCloseTo((10 - 6.5) / Math.sqrt(143 / 12), 6);
  });

  it('one-hot encodes with an other bucket for rare and unseen values', () => {
    const race = spec.categorical.find((c) => c.name === 'race');
    expect(race?.vocabulary).toEqual(['Caucasian']);
    const matrix = transform(
      spec,
      table([row({ race: 'Caucasian' }), row({ race: 'Asian' }), row({ race: 'Martian' })]),
    );
    const caucasian = spec.featureNames.indexOf('race=Caucasian');
    const other = spec.featureNames.indexOf('race=other');
    const at = (r: number, j: number) => matrix.data[r * matrix.cols + j];
    expect([at(0, caucasian), at(0, other)]).toEqual([1, 0]);
    expect([at(1, caucasian), at(1, other)]).toEqual([0, 1]);
    expect([at(2, caucasian), at(2, other)]).toEqual([0, 1]);
  });

  it('carries a hash that detects any change', () => {
    expect(verifyPreprocessor(JSON.parse(JSON.stringify(spec)))).toBe(true);
    const altered = JSON.parse(JSON.stringify(spec));
    altered.numeric[0].mean += 1e-9;
    expect(verifyPreprocessor(altered)).toBe(false);
  });
});
