import { ALIASED_FIELDS, FIELDS, ICD9_PATTERN, MISSING_VALUES, type FieldSpec } from './fields.js';

/**
 * The JSON schemas of the prediction service. The same objects validate requests (compiled once by ajv) and
 * are published as OpenAPI at `/openapi.json` and `/docs`, so the documentation cannot drift from what is
 * enforced.
 */
export type JsonSchema = Record<string, unknown>;

export const MAX_BATCH_RECORDS = 1000;

export const RECORD_SCHEMA_ID = 'PatientRecord';
export const BATCH_SCHEMA_ID = 'PredictBatch';

function valueSchema(field: FieldSpec): JsonSchema {
  const name = field.name === field.snake ? field.name : `${field.name} (or ${field.snake})`;
  const description = `${name}: ${field.expected}.`;
  const missing = field.nullable ? MISSING_VALUES : [];
  switch (field.kind) {
    case 'count':
    case 'identifier': {
      const [minimum, maximum] = field.range as [number, number];
      return { type: 'integer', minimum, maximum, description };
    }
    case 'code':
      return { type: 'integer', enum: field.values, description };
    case 'diagnosis':
      return field.nullable
        ? { type: ['string', 'null'], maxLength: 8, pattern: `${ICD9_PATTERN}|^\\?$`, description }
        : { type: 'string', maxLength: 8, pattern: ICD9_PATTERN, description };
    case 'category':
    case 'target':
      return field.nullable
        ? { type: ['string', 'null'], enum: [...(field.values ?? []), ...missing], description }
        : { type: 'string', enum: field.values, description };
  }
}

function recordSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const field of FIELDS) {
    properties[field.name] = valueSchema(field);
    if (field.snake !== field.name) properties[field.snake] = valueSchema(field);
  }
  const required = FIELDS.filter((field) => field.required && field.snake === field.name).map((f) => f.name);
  // A field with two spellings must come under one of them, and under one only.
  const spellings = ALIASED_FIELDS.flatMap((field) => [
    ...(field.required ? [{ anyOf: [{ required: [field.name] }, { required: [field.snake] }] }] : []),
    { not: { required: [field.name, field.snake] } },
  ]);
  return {
    $id: RECORD_SCHEMA_ID,
    title: RECORD_SCHEMA_ID,
    description:
      'One encounter, with the columns of diabetic_data.csv under their own names or in snake_case. ' +
      'The model inputs are required; encounter_id, patient_nbr, weight, payer_code, medical_specialty and ' +
      'readmitted may come along and are not used. No other field is allowed.',
    type: 'object',
    properties,
    required,
    allOf: spellings,
    additionalProperties: false,
  };
}

export const PATIENT_RECORD_SCHEMA: JsonSchema = recordSchema();

export const PREDICT_BATCH_SCHEMA: JsonSchema = {
  $id: BATCH_SCHEMA_ID,
  title: BATCH_SCHEMA_ID,
  description: `Up to ${MAX_BATCH_RECORDS.toLocaleString('en')} records scored in one request.`,
  type: 'object',
  properties: {
    records: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_BATCH_RECORDS,
      items: { $ref: `${RECORD_SCHEMA_ID}#` },
    },
  },
  required: ['records'],
  additionalProperties: false,
};

/**
 * One record, or `{"records": [...]}`. `if`/`then`/`else` rather than `oneOf`, so that a valid single record
 * is checked against the record schema alone, and an invalid one is reported against the shape it has.
 */
export const PREDICT_BODY_SCHEMA: JsonSchema = {
  description: `One record, or {"records": [...]} of 1 to ${MAX_BATCH_RECORDS.toLocaleString('en')} records.`,
  type: 'object',
  if: { type: 'object', required: ['records'] },
  then: { $ref: `${BATCH_SCHEMA_ID}#` },
  else: { $ref: `${RECORD_SCHEMA_ID}#` },
};

const MODEL_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The model that scored the record.',
  properties: {
    name: { type: ['string', 'null'] },
    version: { type: ['string', 'null'] },
    run_id: { type: ['string', 'null'] },
  },
  required: ['name', 'version', 'run_id'],
};

export const PREDICTION_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    prediction: { type: 'integer', enum: [0, 1], description: '1 when probability >= threshold.' },
    probability: { type: 'number', description: 'Probability of readmission as the model defines it.' },
    threshold: { type: 'number', description: 'The decision threshold chosen on validation.' },
    model: MODEL_SCHEMA,
  },
  required: ['prediction', 'probability', 'threshold', 'model'],
};

export const PREDICT_RESPONSE_SCHEMA: JsonSchema = {
  description: 'For one record, its prediction; for {"records": [...]}, {"predictions": [...]} in order.',
  anyOf: [
    PREDICTION_SCHEMA,
    {
      type: 'object',
      properties: { predictions: { type: 'array', items: PREDICTION_SCHEMA } },
      required: ['predictions'],
    },
  ],
};

export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'Every error answer: a status, a message and, for 422, one entry per bad field.',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'JSON pointer of the field, such as /records/3/race.' },
          problem: {
            type: 'string',
            enum: ['missing', 'unknown', 'invalid', 'ambiguous', 'undefined-outcome'],
          },
          expected: { type: 'string' },
        },
        required: ['path', 'problem', 'expected'],
      },
    },
    truncated: { type: 'boolean', description: 'Whether details lists only the first of the bad fields.' },
  },
  required: ['statusCode', 'error', 'message'],
};
