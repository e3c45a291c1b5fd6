import { EXIT_CODES, UserError } from '../errors/index.js';
import { COLUMNS, MISSING, TARGET_COLUMN, type ColumnSpec } from './contract.js';

/**
 * `raw`: the 50 UCI columns and nothing else. `processed`: the same plus the `target` column that split adds,
 * so a processed file cannot be mistaken for the raw file or the other way round.
 */
export type ContractName = 'raw' | 'processed';

const FIFTY_COLUMNS = 'the file must have the 50 UCI columns of diabetic_data.csv';

export const CONTRACT_FIX =
  'the file must be diabetic_data.csv from the UCI "Diabetes 130-US hospitals 1999-2008" data set ' +
  '(50 columns, `?` for missing values); fix it or download it again';

const PROCESSED_FIX = 'run `healthpredict split` again to rewrite the processed files';

const TARGET_SPEC: ColumnSpec = { name: TARGET_COLUMN, kind: 'target', nullable: false, values: ['0', '1'] };
const SPECS = new Map(COLUMNS.map((spec) => [spec.name, spec]));

export function badInput(message: string, fix = CONTRACT_FIX): UserError {
  return new UserError(message, fix, EXIT_CODES.badInput);
}

/** Checks the header (line 1) and returns the spec of each column in file order. */
export function checkHeader(header: string[], contract: ContractName, file: string): ColumnSpec[] {
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw badInput(`${file}: line 1 names the column "${name}" twice`);
    seen.add(name);
  }

  const missing = COLUMNS.filter((spec) => !seen.has(spec.name)).map((spec) => spec.name);
  if (missing.length > 0) {
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    throw badInput(`${file}: the column "${missing[0]}" is missing${more}; ${FIFTY_COLUMNS}`);
  }
  if (contract === 'processed' && !seen.has(TARGET_COLUMN)) {
    throw badInput(
      `${file}: the column "${TARGET_COLUMN}" is missing, so this is not a processed file`,
      PROCESSED_FIX,
    );
  }

  return header.map((name) => {
    if (name === TARGET_COLUMN) {
      if (contract === 'processed') return TARGET_SPEC;
      throw badInput(
        `${file}: the column "${TARGET_COLUMN}" belongs in processed files only; ${FIFTY_COLUMNS}`,
        'pass the raw diabetic_data.csv (or its .gz or .zip), not a file that split wrote',
      );
    }
    const spec = SPECS.get(name);
    if (!spec) {
      throw badInput(`${file}: line 1 has the unknown column "${name}"; ${FIFTY_COLUMNS} and no others`);
    }
    return spec;
  });
}

type ValueCheck = (value: string) => boolean;

/** Returns a function that throws on the first value of a record that breaks the contract. */
export function rowChecker(specs: ColumnSpec[], file: string): (record: string[], line: number) => void {
  const checks = specs.map(valueCheck);
  const width = specs.length;

  return (record, line) => {
    if (record.length !== width) {
      throw badInput(`${file}: line ${line} has ${record.length} fields; the header has ${width}`);
    }
    for (let i = 0; i < width; i++) {
      if (!checks[i](record[i])) throw valueError(file, line, specs[i], record[i]);
    }
  };
}

const WHOLE = /^\d+$/;
const SIGNED_WHOLE = /^-?\d+$/;

function valueCheck(spec: ColumnSpec): ValueCheck {
  const allowsMissing = (value: string) => spec.nullable && value === MISSING;

  if (spec.kind === 'id') return (value) => WHOLE.test(value);
  if (spec.kind === 'integer') {
    const [low, high] = spec.range ?? [-Infinity, Infinity];
    return (value) => {
      if (!SIGNED_WHOLE.test(value)) return allowsMissing(value);
      const number = Number(value);
      return number >= low && number <= high;
    };
  }
  if (spec.values) {
    const allowed = new Set(spec.values);
    return (value) => allowed.has(value) || allowsMissing(value);
  }
  return (value) => value !== '' && (value !== MISSING || spec.nullable);
}

function valueError(file: string, line: number, spec: ColumnSpec, value: string): UserError {
  const where = `${file}: line ${line}, column "${spec.name}"`;
  const found =
    value === ''
      ? 'the value is empty'
      : value === MISSING
        ? `"?" (missing) is not allowed`
        : `${JSON.stringify(truncate(value))} is not valid`;
  return badInput(`${where}: ${found}; expected ${expected(spec)}`);
}

function expected(spec: ColumnSpec): string {
  const orMissing = spec.nullable ? ' or ? for missing' : '';
  if (spec.kind === 'id') return 'a whole number (an identifier)';
  if (spec.kind === 'integer') {
    const range = spec.range ? ` from ${spec.range[0]} to ${spec.range[1]}` : '';
    return `a whole number${range}${orMissing}`;
  }
  if (spec.values) return `one of ${spec.values.join(', ')}${orMissing}`;
  return `a non-empty value${orMissing}`;
}

function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
