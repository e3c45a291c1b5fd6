import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

import { EXCLUDED_DISPOSITIONS } from '../data/contract.js';
import { ALIASED_FIELDS, FIELD_BY_KEY, type FieldSpec } from './fields.js';
import {
  MAX_BATCH_RECORDS,
  PATIENT_RECORD_SCHEMA,
  PREDICT_BATCH_SCHEMA,
  PREDICT_BODY_SCHEMA,
} from './schema.js';

/** A JSON record as a client sends it, already checked against the record schema. */
export type PatientRecord = Record<string, unknown>;

export type ProblemKind = 'missing' | 'unknown' | 'invalid' | 'ambiguous' | 'undefined-outcome';

/** One bad field of a request: where it is (a JSON pointer) and what was expected there. */
export interface FieldProblem {
  path: string;
  problem: ProblemKind;
  expected: string;
}

/** At most this many problems are listed in an answer; a 1,000-record batch can have 40,000. */
export const MAX_LISTED_PROBLEMS = 100;

/**
 * One ajv instance for the service and the offline scorer, so both enforce the very same compiled schema.
 * Unlike Fastify's defaults, nothing is coerced, removed or defaulted: a wrong type or an unknown field is an
 * error to report, and every error is collected so that an answer lists every bad field (the body limit
 * bounds the work that takes).
 */
function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    allowUnionTypes: true,
    strict: true,
    // The two-spelling rules require a property in a branch of anyOf, which strict mode would refuse.
    strictRequired: false,
  });
  ajv.addSchema(PATIENT_RECORD_SCHEMA);
  ajv.addSchema(PREDICT_BATCH_SCHEMA);
  return ajv;
}

let shared: { body: ValidateFunction; record: ValidateFunction } | undefined;

/** Compiled on first use, once per process. */
function compiled() {
  if (!shared) {
    const ajv = createAjv();
    const record = ajv.getSchema(PATIENT_RECORD_SCHEMA.$id as string) as ValidateFunction;
    shared = { body: ajv.compile(PREDICT_BODY_SCHEMA), record };
  }
  return shared;
}

/** The compiled validator of a `POST /predict` body, for Fastify's route. */
export function bodyValidator(): ValidateFunction {
  return compiled().body;
}

/** Checks one record; the problems' paths are relative to `prefix`. */
export function checkRecord(record: unknown, prefix = ''): FieldProblem[] {
  const validate = compiled().record;
  if (validate(record)) return [];
  return describeErrors(validate.errors ?? [], record, prefix);
}

/**
 * Turns ajv's errors into one problem per bad field. ajv can report a field twice (its type and its enum) and
 * reports the two-spelling rules through `anyOf` and `not`; here each becomes the field it is about.
 */
export function describeErrors(errors: ErrorObject[], body: unknown, prefix = ''): FieldProblem[] {
  const problems = new Map<string, FieldProblem>();
  const add = (problem: FieldProblem) => {
    const key = `${problem.path} ${problem.problem}`;
    if (!problems.has(key)) problems.set(key, problem);
  };

  for (const error of errors) {
    const at = error.instancePath;
    switch (error.keyword) {
      case 'if':
      case 'anyOf':
        break;
      case 'required': {
        const missing = String(error.params.missingProperty);
        const field = FIELD_BY_KEY.get(missing);
        if (!field) break;
        const spellings = field.snake === field.name ? '' : ` (as ${field.name} or ${field.snake})`;
        add({
          path: `${prefix}${at}/${pointer(field.name)}`,
          problem: 'missing',
          expected: `${field.expected}${spellings}`,
        });
        break;
      }
      case 'additionalProperties': {
        const name = String(error.params.additionalProperty);
        add({ path: `${prefix}${at}/${pointer(name)}`, problem: 'unknown', expected: unknownExpected(at) });
        break;
      }
      case 'not':
        for (const field of bothSpellings(valueAt(body, at))) {
          add({
            path: `${prefix}${at}/${pointer(field.name)}`,
            problem: 'ambiguous',
            expected: `${field.name} or ${field.snake}, not both`,
          });
        }
        break;
      default:
        add({ path: `${prefix}${at}`, problem: 'invalid', expected: invalidExpected(at) });
    }
  }
  return [...problems.values()];
}

/** Records whose disposition means the patient died or went to hospice: readmission is undefined for them. */
export function excludedDispositions(records: readonly PatientRecord[], batch: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  records.forEach((record, i) => {
    const code = record.discharge_disposition_id;
    if (typeof code === 'number' && EXCLUDED_DISPOSITIONS.has(code)) {
      problems.push({
        path: `${batch ? `/records/${i}` : ''}/discharge_disposition_id`,
        problem: 'undefined-outcome',
        expected:
          `a disposition after which the patient can be readmitted: readmission is undefined for ${code} ` +
          `(${DISPOSITION_NAMES[code] ?? 'expired or hospice'}), so the model does not score such records`,
      });
    }
  });
  return problems;
}

const DISPOSITION_NAMES: Record<number, string> = {
  11: 'expired',
  13: 'hospice, home',
  14: 'hospice, medical facility',
  19: 'expired at home',
  20: 'expired in a medical facility',
  21: 'expired, place unknown',
};

function unknownExpected(at: string): string {
  if (at === '') return 'a field of diabetic_data.csv, or "records" alone for a batch; see /openapi.json';
  return 'a field of diabetic_data.csv under its own name or in snake_case; see /openapi.json';
}

function invalidExpected(at: string): string {
  const segments = at.split('/').slice(1).map(unpointer);
  if (segments.length === 0) return 'a JSON object: one record, or {"records": [...]}';
  if (segments.length === 1 && segments[0] === 'records') {
    return `an array of 1 to ${MAX_BATCH_RECORDS} records`;
  }
  const field = FIELD_BY_KEY.get(segments[segments.length - 1]);
  const inRecord = segments.length === 1 || (segments.length === 3 && segments[0] === 'records');
  if (field && inRecord) return field.expected;
  return 'a record: an object with the columns of diabetic_data.csv';
}

function bothSpellings(record: unknown): FieldSpec[] {
  if (typeof record !== 'object' || record === null) return [];
  return ALIASED_FIELDS.filter((field) => field.name in record && field.snake in record);
}

function valueAt(body: unknown, at: string): unknown {
  let value = body;
  for (const segment of at.split('/').slice(1).map(unpointer)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** A property name as a JSON pointer segment (RFC 6901). */
function pointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unpointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
