/**
 * Property: whatever malformed body reaches POST /predict, the answer is a 4xx JSON error without a stack
 * trace, and the server still answers afterwards. 10,000 bodies are generated, each malformed by
 * construction (the generators below say how), from valid records of the real file's test split.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { COLUMNS, EXCLUDED_DISPOSITIONS } from '../../src/core/data/contract.js';
import { REQUIRED_RAW_COLUMNS, withoutExcludedDispositions } from '../../src/core/features/engineer.js';
import { DEFAULT_MODEL_URI } from '../../src/core/serving/model-loader.js';
import { startServer, type RunningServer } from '../../src/core/serving/serve.js';
import { rowAsRecord, snakeName, snakeRecord, trainChampion } from './helpers.js';
import { get, post, STACK_TRACE } from './http.js';

const RUNS = 10_000;
const SEED = Number(process.env.HEALTHPREDICT_FUZZ_SEED ?? 20240501);

let server: RunningServer;
let records: Record<string, unknown>[];

beforeAll(async () => {
  const champion = await trainChampion('fuzz');
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    uri: DEFAULT_MODEL_URI,
    openStores: () => champion.backends,
    logLevel: 'silent',
  });
  await server.ready;
  const test = withoutExcludedDispositions(champion.splits.test);
  const plain = test.rows.slice(0, 100).map((row) => rowAsRecord(test.columns, row));
  records = [...plain, ...plain.map(snakeRecord)];
});

afterAll(async () => {
  await server?.stop();
});

/** A request to send, and the statuses a correct server may answer it with. */
interface Case {
  kind: string;
  body: string;
  contentType: string | null;
  statuses: number[];
}

const INTEGER_COLUMNS = new Set(
  COLUMNS.filter((c) => c.kind === 'integer' || c.kind === 'id').map((c) => c.name),
);
const NULLABLE = new Set(COLUMNS.filter((c) => c.nullable).map((c) => c.name));
const REQUIRED = new Set(REQUIRED_RAW_COLUMNS.flatMap((name) => [name, snakeName(name)]));
const KNOWN_KEYS = new Set([...COLUMNS.flatMap((c) => [c.name, snakeName(c.name)]), 'records']);
const datasetName = (key: string) => COLUMNS.find((c) => snakeName(c.name) === key)?.name ?? key;

const record = () => fc.integer({ min: 0, max: 199 }).map((i) => ({ ...records[i] }));
const requiredKey = (r: Record<string, unknown>) =>
  fc.constantFrom(...Object.keys(r).filter((k) => REQUIRED.has(k)));

/** A JSON value of another type than the field takes (integer fields: anything but an integer). */
function wrongValue(key: string): fc.Arbitrary<unknown> {
  const containers = [
    fc.array(fc.jsonValue(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  ];
  if (INTEGER_COLUMNS.has(datasetName(key))) {
    return fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
      fc.constant(null),
      ...containers,
    );
  }
  const nullable = NULLABLE.has(datasetName(key));
  return fc.oneof(
    fc.integer(),
    fc.double(),
    fc.boolean(),
    ...(nullable ? [] : [fc.constant(null)]),
    ...containers,
  );
}

/** A JSON value of the right type but outside what the field allows. */
function badValue(key: string): fc.Arbitrary<unknown> {
  if (INTEGER_COLUMNS.has(datasetName(key))) {
    return fc.oneof(fc.integer({ min: 1_000, max: 2 ** 40 }), fc.integer({ min: -(2 ** 40), max: -1 }));
  }
  return fc
    .string({ minLength: 1, maxLength: 30 })
    .filter(
      (s) =>
        !/^(No|Steady|Up|Down|Yes|Ch|None|Norm|>[78]|>[23]00|\?|Male|Female|Caucasian|Other)$/.test(s) &&
        !/^(V\d{2}|E\d{3}|\d{1,3})(\.\d{1,2})?$/.test(s),
    );
}

const json = (value: unknown) => JSON.stringify(value);
const asCase = (
  kind: string,
  body: string,
  statuses = [422],
  contentType: string | null = 'application/json',
): Case => ({
  kind,
  body,
  contentType,
  statuses,
});

const wrongType = record().chain((r) =>
  requiredKey(r).chain((key) =>
    wrongValue(key).map((value) => asCase('wrong type', json({ ...r, [key]: value }))),
  ),
);

const badRange = record().chain((r) =>
  requiredKey(r).chain((key) =>
    badValue(key).map((value) => asCase('bad value', json({ ...r, [key]: value }))),
  ),
);

const missing = record().chain((r) =>
  fc
    .shuffledSubarray(
      Object.keys(r).filter((k) => REQUIRED.has(k)),
      { minLength: 1 },
    )
    .map((keys) => {
      const copy = { ...r };
      for (const key of keys) delete copy[key];
      return asCase('missing fields', json(copy));
    }),
);

const extra = record().chain((r) =>
  fc
    .dictionary(
      fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !KNOWN_KEYS.has(k) && k !== '__proto__'),
      fc.jsonValue(),
      {
        minKeys: 1,
        maxKeys: 5,
      },
    )
    .map((added) => asCase('extra fields', json({ ...r, ...added }))),
);

const length = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 65, max: 100_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000_000, max: 5_000_000 }) },
);
const hugeString = fc
  .tuple(
    record(),
    fc.constantFrom(...COLUMNS.map((c) => c.name).filter((n) => n !== 'readmitted')),
    length,
    fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme-ascii' }),
  )
  .map(([r, key, n, char]) => asCase('huge string', json({ ...r, [key]: char.repeat(n) }), [413, 422]));

const depth = fc.oneof(fc.integer({ min: 2, max: 1_000 }), fc.integer({ min: 1_000, max: 200_000 }));
const nested = fc
  .tuple(depth, fc.boolean())
  .map(([d, arrays]) =>
    arrays ? `${'['.repeat(d)}1${']'.repeat(d)}` : `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`,
  );
const deepNesting = fc.oneof(
  fc
    .tuple(record(), fc.constantFrom(...REQUIRED_RAW_COLUMNS), nested)
    .map(([r, key, value]) =>
      asCase('deep nesting', json({ ...r, [key]: '@@' }).replace('"@@"', value), [413, 422]),
    ),
  nested.map((value) => asCase('deep nesting', value, [413, 422])),
  nested.map((value) => asCase('deep nesting', `{"records":${value}}`, [413, 422])),
);

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
const invalidJson = fc.oneof(
  record().chain((r) => {
    const text = json(r);
    return fc
      .integer({ min: 0, max: text.length - 1 })
      .map((cut) => asCase('invalid JSON', text.slice(0, cut), [400]));
  }),
  record().chain((r) => {
    const text = json(r);
    return fc
      .tuple(
        fc.integer({ min: 0, max: text.length }),
        fc.constantFrom(',', '}', '{', '"', ':', "'", 'NaN', 'undefined', '\\'),
      )
      .map(([at, junk]) => text.slice(0, at) + junk + text.slice(at))
      .filter((body) => !isJson(body))
      .map((body) => asCase('invalid JSON', body, [400]));
  }),
  fc
    .string({ minLength: 1 })
    .filter((s) => s.trim() !== '' && !isJson(s))
    .map((s) => asCase('invalid JSON', s, [400])),
);

const wrongContentType = fc
  .tuple(
    record(),
    fc.constantFrom(
      null,
      'text/plain',
      'text/html',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/jsonp',
      'image/png',
    ),
  )
  .map(([r, type]) => asCase('wrong content type', json(r), [415], type));

const notAnObject = fc
  .jsonValue()
  .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length < 20)
  .map((value) => asCase('not a record', json(value) ?? 'null', [400, 422]));

const badBatch = fc.oneof(
  fc
    .tuple(fc.array(record(), { minLength: 1, maxLength: 20 }), wrongType, fc.nat())
    .map(([batch, bad, at]) => {
      const i = at % (batch.length + 1);
      return asCase(
        'bad batch',
        json({ records: [...batch.slice(0, i), JSON.parse(bad.body), ...batch.slice(i)] }),
      );
    }),
  fc
    .tuple(record(), fc.integer({ min: 1001, max: 1100 }))
    .map(([r, n]) => asCase('bad batch', json({ records: Array(n).fill(r) }))),
  fc
    .jsonValue()
    .filter((v) => !Array.isArray(v))
    .map((v) => asCase('bad batch', json({ records: v }))),
  fc
    .tuple(record(), fc.string(), fc.jsonValue())
    .filter(([, k]) => k !== 'records' && k !== '__proto__')
    .map(([r, k, v]) => asCase('bad batch', json({ records: [r], [k]: v }))),
);

const undefinedOutcome = fc
  .tuple(record(), fc.constantFrom(...EXCLUDED_DISPOSITIONS))
  .map(([r, code]) => asCase('expired or hospice', json({ ...r, discharge_disposition_id: code })));

const malformed = fc.oneof(
  wrongType,
  badRange,
  missing,
  extra,
  hugeString,
  deepNesting,
  invalidJson,
  wrongContentType,
  notAnObject,
  badBatch,
  undefinedOutcome,
);

it(`answers ${RUNS} malformed bodies with a 4xx and no stack trace, and keeps answering`, async () => {
  const kinds = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(malformed, async (request) => {
      kinds.set(request.kind, (kinds.get(request.kind) ?? 0) + 1);
      const body = request.contentType === null ? Buffer.from(request.body) : request.body;
      const answer = await post(`${server.url}/predict`, body, request.contentType);
      // A "__proto__" or "constructor" key anywhere (fc.jsonValue makes them) is refused as prototype poisoning.
      const poisoned = /"(__proto__|constructor)"/.test(request.body) ? [400] : [];
      expect(
        [...request.statuses, ...poisoned],
        `${request.kind}: ${answer.status} ${answer.text.slice(0, 300)}`,
      ).toContain(answer.status);
      expect(answer.json?.statusCode).toBe(answer.status);
      expect(answer.json?.message).toEqual(expect.any(String));
      expect(answer.text).not.toMatch(STACK_TRACE);
      if (answer.status === 422) expect(answer.json.details.length).toBeGreaterThan(0);
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );

  expect([...kinds.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
  expect(kinds.size).toBe(11);
  expect((await get(`${server.url}/health`)).status).toBe(200);
  const valid = await post(`${server.url}/predict`, records[0]);
  expect(valid.status).toBe(200);
  expect(valid.json.probability).toBeGreaterThan(0);
  const metrics = (await get(`${server.url}/metrics`)).text;
  expect(metrics).not.toMatch(/status="5\d\d"/);
}, 600_000);
