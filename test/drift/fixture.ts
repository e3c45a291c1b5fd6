import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';

import type { ColumnDriftInput, ColumnKind } from '../../src/core/drift/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The UCI file that make-reference.py read, shared by every checkout beside this one. */
export const REAL_DATA =
  process.env.HEALTHPREDICT_TEST_DATA ?? resolve(root, '../shared/data/diabetic_data.csv.gz');

/** A number as the fixture writes it: JSON has no inf or nan, so those come as strings. */
export type FixtureNumber = number | 'inf' | '-inf' | 'nan';

export interface FixtureColumn {
  kind: ColumnKind;
  referenceSize: number;
  currentSize: number;
  nUnique: number;
  ks?: { statistic: FixtureNumber; pValue: FixtureNumber };
  wasserstein?: { distance: FixtureNumber; normed: FixtureNumber };
  chisquare?: { statistic: FixtureNumber; pValue: FixtureNumber };
  z?: { statistic: FixtureNumber; pValue: FixtureNumber; evidentlyPValue: FixtureNumber };
  jensenshannon: FixtureNumber;
  default: { stattest: string; score: FixtureNumber; threshold: number; drifted: boolean };
}

export interface FixtureCase {
  name: string;
  description: string;
  rows?: { reference: [number, number]; current: [number, number] };
  inline?: Record<
    string,
    { kind: ColumnKind; reference: (number | string | null)[]; current: (number | string | null)[] }
  >;
  columns: Record<string, FixtureColumn>;
  dataset: { nColumns: number; nDrifted: number; share: number; datasetDrift: boolean };
}

/** A KS case whose samples are `modular(...reference)` and `modular(...current)`. */
export interface FixtureKsCase {
  name: string;
  reference: [number, number, number, number, number];
  current: [number, number, number, number, number];
  statistic: number;
  pValue: number;
}

export interface Fixture {
  versions: Record<string, string>;
  cases: FixtureCase[];
  ks: FixtureKsCase[];
  grids: {
    kstwoSf: [number, number, number][];
    smirnovSf: [number, number, number][];
    chi2Sf: [number, number, number][];
    normalSf: [number, number][];
    logGamma: [number, number][];
  };
}

export const fixture: Fixture = JSON.parse(
  readFileSync(resolve(root, 'test/fixtures/drift/scipy-reference.json'), 'utf8'),
) as Fixture;

export function fixtureCase(name: string): FixtureCase {
  const found = fixture.cases.find((c) => c.name === name);
  if (!found) throw new Error(`no case ${name} in scipy-reference.json`);
  return found;
}

export function toNumber(value: FixtureNumber): number {
  if (value === 'inf') return Number.POSITIVE_INFINITY;
  if (value === '-inf') return Number.NEGATIVE_INFINITY;
  if (value === 'nan') return Number.NaN;
  return value;
}

/**
 * Equal to scipy within 1e-6: absolute for ordinary values, relative below 1e-4 so that tiny p-values must
 * match in their digits, not merely both be small. Below 1e-300 both sides are underflow and only need to be.
 */
export function expectScipy(actual: number, expectedValue: FixtureNumber, what = ''): void {
  const expected = toNumber(expectedValue);
  if (!Number.isFinite(expected)) {
    expect(actual, what).toBe(expected);
    return;
  }
  const magnitude = Math.abs(expected);
  const tolerance = magnitude < 1e-300 ? 1e-300 : magnitude < 1e-4 ? 1e-6 * magnitude : 1e-6;
  expect(Math.abs(actual - expected), `${what}: ${actual} against scipy's ${expected}`).toBeLessThanOrEqual(
    tolerance,
  );
}

/** make-reference.py's `modular`: ((i · multiplier) mod modulus) / modulus · scale + offset. */
export function modular(
  n: number,
  multiplier: number,
  modulus: number,
  scale: number,
  offset: number,
): Float64Array {
  return Float64Array.from(
    { length: n },
    (_, i) => (((i * multiplier) % modulus) / modulus) * scale + offset,
  );
}

const NUMERIC = new Set(['time_in_hospital', 'num_lab_procedures', 'num_medications', 'number_inpatient']);
const REAL_COLUMNS = new Set([
  ...NUMERIC,
  'race',
  'age',
  'A1Cresult',
  'insulin',
  'gender',
  'change',
  'diabetesMed',
]);
let realColumns: Map<string, string[]> | undefined;

/** The wanted columns of the UCI file, read once; '?' stays here and becomes null in {@link realInputs}. */
function readReal(): Map<string, string[]> {
  if (realColumns) return realColumns;
  const lines = gunzipSync(readFileSync(REAL_DATA))
    .toString('utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = lines[0].split(',');
  const wanted = header.flatMap((name, index) => (REAL_COLUMNS.has(name) ? [[name, index] as const] : []));
  const columns = new Map<string, string[]>(wanted.map(([name]) => [name, []]));
  for (let row = 1; row < lines.length; row++) {
    const fields = lines[row].split(',');
    for (const [name, index] of wanted) columns.get(name)?.push(fields[index]);
  }
  realColumns = columns;
  return columns;
}

/** The inputs of a real-data case, rebuilt from its row slices as make-reference.py built them. */
export function realInputs(testCase: FixtureCase): ColumnDriftInput[] {
  const rows = testCase.rows;
  if (!rows) throw new Error(`case ${testCase.name} has no row slices`);
  const data = readReal();
  return Object.keys(testCase.columns).map((name) => {
    const raw = data.get(name);
    if (!raw) throw new Error(`column ${name} is not in ${REAL_DATA}`);
    const slice = (range: [number, number]) => raw.slice(range[0], range[1]);
    if (NUMERIC.has(name)) {
      const numbers = (values: string[]) => values.map((v) => (v === '?' ? null : Number(v)));
      return {
        name,
        kind: 'numeric',
        reference: numbers(slice(rows.reference)),
        current: numbers(slice(rows.current)),
      };
    }
    const missing = (v: string) => v === '?' || (name === 'gender' && v !== 'Male' && v !== 'Female');
    const labels = (values: string[]) => values.map((v) => (missing(v) ? null : v));
    return {
      name,
      kind: 'categorical',
      reference: labels(slice(rows.reference)),
      current: labels(slice(rows.current)),
    };
  });
}

/** The inputs of a synthetic case, stored in the fixture itself. */
export function inlineInputs(testCase: FixtureCase): ColumnDriftInput[] {
  const inline = testCase.inline;
  if (!inline) throw new Error(`case ${testCase.name} has no inline values`);
  return Object.entries(inline).map(([name, column]) =>
    column.kind === 'numeric'
      ? {
          name,
          kind: 'numeric',
          reference: column.reference as (number | null)[],
          current: column.current as (number | null)[],
        }
      : {
          name,
          kind: 'categorical',
          reference: column.reference as (string | null)[],
          current: column.current as (string | null)[],
        },
  );
}

export function caseInputs(testCase: FixtureCase): ColumnDriftInput[] {
  return testCase.rows ? realInputs(testCase) : inlineInputs(testCase);
}
