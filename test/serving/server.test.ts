/**
 * The prediction service over HTTP, started on a random port with a champion that the real pipeline trained
 * and registered on the real data. Expected probabilities come from `scoreTable`, the table path that
 * training, the quality gate and monitoring use; expected rules come from the column contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXCLUDED_DISPOSITIONS } from '../../src/core/data/contract.js';
import type { Table } from '../../src/core/data/table.js';
import { withoutExcludedDispositions } from '../../src/core/features/engineer.js';
import { scoreTable } from '../../src/core/models/scorer.js';
import { readCapturedTable } from '../../src/core/serving/capture-reader.js';
import { DEFAULT_MODEL_URI, loadServingModel } from '../../src/core/serving/model-loader.js';
import { createPredictor } from '../../src/core/serving/predictor.js';
import { PATIENT_RECORD_SCHEMA } from '../../src/core/serving/schema.js';
import { startServer, type RunningServer } from '../../src/core/serving/serve.js';
import { createService } from '../../src/core/serving/server.js';
import { copyModelDirectory, trainChampion, rowAsRecord, snakeRecord, type Champion } from './helpers.js';
import { get, post, postInTwoParts, STACK_TRACE, type Answer } from './http.js';

let champion: Champion;
let server: RunningServer;
let test: Table;
let records: Record<string, unknown>[];
let expected: Float64Array;
const logs: string[] = [];
const startedAt = Date.now();

beforeAll(async () => {
  champion = await trainChampion('server');
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    uri: DEFAULT_MODEL_URI,
    openStores: () => champion.backends,
    logStream: { write: (line: string) => logs.push(line) },
    capture: { store: champion.store, flushIntervalMs: 50 },
  });
  await server.ready;
  test = withoutExcludedDispositions(champion.splits.test);
  records = test.rows.map((row) => rowAsRecord(test.columns, row));
  expected = scoreTable(champion.artifact, test);
});

afterAll(async () => {
  await server?.stop();
});

const url = (path: string) => `${server.url}${path}`;

async function predictAll(all: Record<string, unknown>[]): Promise<number[]> {
  const probabilities: number[] = [];
  for (let start = 0; start < all.length; start += 1000) {
    const answer = await post(url('/predict'), { records: all.slice(start, start + 1000) });
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    for (const prediction of answer.json.predictions) probabilities.push(prediction.probability);
  }
  return probabilities;
}

function worstDifference(actual: number[], reference: Float64Array): number {
  expect(actual.length).toBe(reference.length);
  return actual.reduce((worst, p, i) => Math.max(worst, Math.abs(p - reference[i])), 0);
}

function expectProblems(answer: Answer, problems: { path: string; problem: string }[]) {
  expect(answer.status, answer.text.slice(0, 500)).toBe(422);
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(
    answer.json.details.map((d: { path: string; problem: string }) => ({ path: d.path, problem: d.problem })),
  ).toEqual(problems);
  for (const detail of answer.json.details) expect(detail.expected).toEqual(expect.any(String));
  expect(answer.text).not.toMatch(STACK_TRACE);
}

describe('POST /predict scores as the offline scorer does', () => {
  it('for every initial_test row, with the data set field names, to 1e-9', async () => {
    expect(records.length).toBeGreaterThan(2900);
    expect(worstDifference(await predictAll(records), expected)).toBeLessThanOrEqual(1e-9);
  });

  it('answers the expired and hospice rows of initial_test with a 422 instead', async () => {
    const all = champion.splits.test;
    const excluded = all.rows
      .filter((row) => !test.rows.includes(row))
      .map((row) => rowAsRecord(all.columns, row));
    expect(excluded.length).toBe(all.rows.length - test.rows.length);
    expect(excluded.length).toBeGreaterThan(0);
    const answer = await post(url('/predict'), { records: excluded });
    expect(answer.status).toBe(422);
    expect(answer.json.details).toHaveLength(excluded.length);
  });

  it('for every initial_test row, in snake_case, to 1e-9', async () => {
    const snake = records.map(snakeRecord);
    expect(Object.keys(snake[0])).toContain('glyburide_metformin');
    expect(Object.keys(snake[0])).not.toContain('glyburide-metformin');
    expect(worstDifference(await predictAll(snake), expected)).toBeLessThanOrEqual(1e-9);
  });

  it('answers one record with prediction, probability, threshold and the model', async () => {
    const answer = await post(url('/predict'), records[0]);
    const threshold = champion.artifact.descriptor.threshold;
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      prediction: expected[0] >= threshold ? 1 : 0,
      probability: expected[0],
      threshold,
      model: { name: 'HealthPredict', version: champion.version, run_id: champion.runId },
    });
  });

  it('predicts 1 exactly when the probability reaches the threshold', async () => {
    const answer = await post(url('/predict'), { records: records.slice(0, 1000) });
    const threshold = champion.artifact.descriptor.threshold;
    const predictions = answer.json.predictions as { prediction: number; probability: number }[];
    expect(predictions.map((p) => p.prediction)).toEqual(
      Array.from(expected.subarray(0, 1000), (p) => (p >= threshold ? 1 : 0)),
    );
    expect(new Set(predictions.map((p) => p.prediction))).toEqual(new Set([0, 1]));
  });

  it('takes null for a missing value as it takes "?"', async () => {
    const missing = records.find((r) => r.race === '?') as Record<string, unknown>;
    const [a, b] = await Promise.all([
      post(url('/predict'), missing),
      post(url('/predict'), { ...missing, race: null }),
    ]);
    expect(b.json.probability).toBe(a.json.probability);
  });

  it('accepts the columns the model does not use, as a row of the file has them', async () => {
    expect(records[0]).toHaveProperty('encounter_id');
    expect(records[0]).toHaveProperty('medical_specialty');
    const { encounter_id, patient_nbr, weight, payer_code, medical_specialty, readmitted, ...inputs } =
      records[0];
    void [encounter_id, patient_nbr, weight, payer_code, medical_specialty, readmitted];
    const answer = await post(url('/predict'), inputs);
    expect(answer.json.probability).toBe(expected[0]);
  });
});

describe('POST /predict refuses bad requests with a 422 that lists every bad field', () => {
  it('names a missing field, a wrong type, a value out of range, a bad category and an unknown field', async () => {
    const { age, ...withoutAge } = records[0];
    void age;
    const answer = await post(url('/predict'), {
      ...withoutAge,
      time_in_hospital: '3',
      num_procedures: 21,
      race: 'Martian',
      diag_1: 'ABC',
      colour: 'blue',
    });
    expectProblems(answer, [
      { path: '/age', problem: 'missing' },
      { path: '/colour', problem: 'unknown' },
      { path: '/race', problem: 'invalid' },
      { path: '/time_in_hospital', problem: 'invalid' },
      { path: '/num_procedures', problem: 'invalid' },
      { path: '/diag_1', problem: 'invalid' },
    ]);
    const byPath = Object.fromEntries(
      answer.json.details.map((d: { path: string; expected: string }) => [d.path, d.expected]),
    );
    expect(byPath['/time_in_hospital']).toBe('a whole number from 1 to 14');
    expect(byPath['/num_procedures']).toBe('a whole number from 0 to 20');
    expect(byPath['/race']).toContain('AfricanAmerican');
  });

  it('wants one spelling of a field, and only one', async () => {
    const { 'glyburide-metformin': value, ...without } = records[0];
    expectProblems(await post(url('/predict'), without), [
      { path: '/glyburide-metformin', problem: 'missing' },
    ]);
    expectProblems(await post(url('/predict'), { ...records[0], glyburide_metformin: value }), [
      { path: '/glyburide-metformin', problem: 'ambiguous' },
    ]);
  });

  it('gives the path of each bad field inside a batch', async () => {
    const batch = records.slice(0, 6).map((r) => ({ ...r }));
    batch[2].age = 70;
    delete batch[5].insulin;
    expectProblems(await post(url('/predict'), { records: batch }), [
      { path: '/records/2/age', problem: 'invalid' },
      { path: '/records/5/insulin', problem: 'missing' },
    ]);
  });

  it('wants 1 to 1,000 records in a batch and nothing beside them', async () => {
    expectProblems(await post(url('/predict'), { records: [] }), [{ path: '/records', problem: 'invalid' }]);
    const many = Array.from({ length: 1001 }, () => records[0]);
    expectProblems(await post(url('/predict'), { records: many }), [
      { path: '/records', problem: 'invalid' },
    ]);
    expectProblems(await post(url('/predict'), { records: [records[0]], model: 'x' }), [
      { path: '/model', problem: 'unknown' },
    ]);
    expectProblems(await post(url('/predict'), [records[0]]), [{ path: '', problem: 'invalid' }]);
  });

  it('says that readmission is undefined for every expired and hospice disposition', async () => {
    for (const code of EXCLUDED_DISPOSITIONS) {
      const answer = await post(url('/predict'), {
        records: [records[0], { ...records[1], discharge_disposition_id: code }],
      });
      expectProblems(answer, [{ path: '/records/1/discharge_disposition_id', problem: 'undefined-outcome' }]);
      expect(answer.json.message).toContain('readmission is undefined');
      expect(answer.json.details[0].expected).toContain(`undefined for ${code}`);
    }
    const single = await post(url('/predict'), { ...records[0], discharge_disposition_id: 11 });
    expectProblems(single, [{ path: '/discharge_disposition_id', problem: 'undefined-outcome' }]);
  });
});

describe('POST /predict refuses what is not a JSON record', () => {
  it('answers invalid JSON with 400, a wrong content type with 415, an empty body with 400', async () => {
    const broken = await post(url('/predict'), '{"age": "[70-80)",');
    expect(broken.status).toBe(400);
    expect(broken.json.message).toBe('the body is not valid JSON');
    expect((await post(url('/predict'), JSON.stringify(records[0]), 'text/plain')).status).toBe(415);
    expect((await post(url('/predict'), 'age=1', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(url('/predict'), '', 'application/json')).status).toBe(400);
    for (const answer of [broken]) expect(answer.text).not.toMatch(STACK_TRACE);
  });

  it('answers a body over the limit with 413', async () => {
    const huge = JSON.stringify({ ...records[0], race: 'x'.repeat(5 * 1024 * 1024) });
    const answer = await post(url('/predict'), huge);
    expect(answer.status).toBe(413);
    expect(answer.json.message).toBe('the body is larger than the limit of 4194304 bytes');
  });

  it('refuses a prototype-poisoning body with 400', async () => {
    const answer = await post(url('/predict'), `{"__proto__": {"polluted": true}, "age": "[70-80)"}`);
    expect(answer.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers an unknown route with a JSON 404', async () => {
    const answer = await get(url('/nothing-here?x=1'));
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'there is no route GET /nothing-here',
    });
  });
});

describe('the other endpoints', () => {
  it('GET /health and GET /ready answer 200 once the model is loaded', async () => {
    expect((await get(url('/health'))).json).toEqual({ status: 'ok' });
    expect((await get(url('/ready'))).json).toEqual({ status: 'ready' });
  });

  it('GET /model-info names the champion, its run, alias and preprocessor', async () => {
    const info = (await get(url('/model-info'))).json;
    expect(info).toMatchObject({
      name: 'HealthPredict',
      version: champion.version,
      run_id: champion.runId,
      alias: 'champion',
      uri: 'models:/HealthPredict@champion',
      family: 'xgboost',
      threshold: champion.artifact.descriptor.threshold,
      preprocessor_hash: champion.artifact.preprocessor.hash,
    });
    const loadedAt = Date.parse(info.loaded_at);
    expect(loadedAt).toBeGreaterThanOrEqual(startedAt);
    expect(loadedAt).toBeLessThanOrEqual(Date.now());
  });

  it('GET /metrics counts requests by route and status, and predictions by class and model version', async () => {
    const before = await metricValues();
    const answer = await post(url('/predict'), { records: records.slice(0, 200) });
    await post(url('/predict'), { ...records[0], age: 'old' });
    const after = await metricValues();

    const positives = answer.json.predictions.filter(
      (p: { prediction: number }) => p.prediction === 1,
    ).length;
    const predictions = (cls: string) =>
      `healthpredict_predictions_total{class="${cls}",model_name="HealthPredict",model_version="${champion.version}"}`;
    const requests = (status: number) =>
      `healthpredict_http_requests_total{method="POST",route="/predict",status="${status}"}`;
    expect(delta(before, after, predictions('1'))).toBe(positives);
    expect(delta(before, after, predictions('0'))).toBe(200 - positives);
    expect(delta(before, after, requests(200))).toBe(1);
    expect(delta(before, after, requests(422))).toBe(1);
    expect(
      delta(
        before,
        after,
        `healthpredict_http_request_duration_seconds_count{method="POST",route="/predict",status="200"}`,
      ),
    ).toBe(1);
    expect(
      after.get(
        `healthpredict_model_info{model_name="HealthPredict",model_version="${champion.version}",run_id="${champion.runId}",alias="champion"}`,
      ),
    ).toBe(1);
    expect(after.get('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('GET /openapi.json and GET /docs publish the schema that validates', async () => {
    const document = (await get(url('/openapi.json'))).json;
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/health',
      '/metrics',
      '/model-info',
      '/predict',
      '/ready',
    ]);
    const body = document.paths['/predict'].post.requestBody.content['application/json'].schema;
    expect(body.else).toEqual({ $ref: '#/components/schemas/PatientRecord' });
    expect(body.then).toEqual({ $ref: '#/components/schemas/PredictBatch' });
    const { $id, ...published } = PATIENT_RECORD_SCHEMA;
    void $id;
    expect(document.components.schemas.PatientRecord).toEqual(published);

    const docs = await fetch(url('/docs'));
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toContain('swagger');
  });
});

describe('logs and capture', () => {
  it('logs one JSON line per request without any record contents', async () => {
    const marker = { ...records[0], medical_specialty: 'Surgery-Cardiovascular/Thoracic' };
    await post(url('/predict'), marker);
    const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.length).toBeGreaterThan(10);
    expect(completed.at(-1)).toMatchObject({
      method: 'POST',
      route: '/predict',
      statusCode: 200,
      records: 1,
    });
    expect(completed.at(-1)?.reqId).toEqual(expect.any(String));
    const text = logs.join('');
    for (const value of ['Surgery-Cardiovascular', 'Caucasian', '[70-80)', 'Steady', 'Martian']) {
      expect(text).not.toContain(value);
    }
  });

  it('captures every scored record as JSON Lines under capture/YYYY/MM/DD and reads a window back', async () => {
    const from = new Date();
    const batch = records.slice(0, 300);
    await post(url('/predict'), { records: batch });
    await post(url('/predict'), records[300]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const to = new Date();

    const day = from.toISOString().slice(0, 10).replaceAll('-', '/');
    const keys = await champion.store.list(`capture/${day}/`);
    expect(keys.length).toBeGreaterThan(0);
    expect(
      keys.every((key) =>
        /^capture\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}-\d+\.jsonl$/.test(key),
      ),
    ).toBe(true);

    const captured = await readCapturedTable(champion.store, { from, to });
    expect(captured.rows.length).toBe(301);
    const sent = [...batch, records[300]];
    const index = (name: string) => test.columns.indexOf(name);
    captured.rows.forEach((row, i) => {
      const original = test.rows[records.indexOf(sent[i])];
      captured.columns.forEach((name, j) => expect(row[j]).toBe(original[index(name)]));
    });
    expect(scoreTable(champion.artifact, captured)).toEqual(expected.subarray(0, 301));

    const line = JSON.parse((await champion.store.read(keys.at(-1) as string)).toString().split('\n')[0]);
    expect(line).toMatchObject({
      model: { name: 'HealthPredict', version: champion.version, run_id: champion.runId },
      threshold: champion.artifact.descriptor.threshold,
    });
    expect(Object.keys(line).sort()).toEqual([
      'model',
      'prediction',
      'probability',
      'record',
      'threshold',
      'time',
    ]);
  });
});

describe('loading a model', () => {
  it('reads runs:/RUN_ID/model through the tracking store, with no registered name or version', async () => {
    const model = await loadServingModel({
      uri: `runs:/${champion.runId}/model`,
      openStores: () => champion.backends,
    });
    expect(model).toMatchObject({ name: null, version: null, alias: null, runId: champion.runId });
    expect(model.preprocessorHash).toBe(champion.artifact.preprocessor.hash);
  });

  it('reads a model directory without registered_model_meta, and never opens the tracking store', async () => {
    const dir = await copyModelDirectory(champion, false);
    const model = await loadServingModel({
      uri: dir,
      openStores: () => {
        throw new Error('the tracking store was opened');
      },
    });
    expect(model).toMatchObject({ name: null, version: null, alias: null, runId: champion.runId, uri: dir });
    expect(createPredictor(model).probabilities([records[0]])[0]).toBe(expected[0]);
  });
});

describe('readiness and shutdown', () => {
  it('answers /health but 503 on /ready, /model-info and /predict until a model is loaded', async () => {
    const service = await createService({ logLevel: 'silent' });
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    const address = service.app.server.address() as { port: number };
    const base = `http://127.0.0.1:${address.port}`;
    try {
      expect((await get(`${base}/health`)).status).toBe(200);
      for (const answer of [
        await get(`${base}/ready`),
        await get(`${base}/model-info`),
        await post(`${base}/predict`, records[0]),
      ]) {
        expect(answer.status).toBe(503);
        expect(answer.json.message).toContain('not loaded');
      }
      service.setModel(server.service.model!);
      expect((await get(`${base}/ready`)).status).toBe(200);
      expect((await post(`${base}/predict`, records[0])).json.probability).toBe(expected[0]);
    } finally {
      await service.close();
    }
  });

  it('finishes a request in flight when it stops, then refuses connections', async () => {
    const other = await startServer({
      host: '127.0.0.1',
      port: 0,
      uri: DEFAULT_MODEL_URI,
      openStores: () => champion.backends,
      logLevel: 'silent',
    });
    await other.ready;
    const inFlight = postInTwoParts(
      `${other.url}/predict`,
      JSON.stringify({ records: records.slice(0, 500) }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = other.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    inFlight.finish();

    const answer = await inFlight.answer;
    expect(answer.status).toBe(200);
    expect(answer.json.predictions).toHaveLength(500);
    expect((await stopped).predictions).toBe(500);
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
  });
});

async function metricValues(): Promise<Map<string, number>> {
  const answer = await get(url('/metrics'));
  expect(answer.status).toBe(200);
  expect(answer.contentType).toMatch(/^text\/plain/);
  const values = new Map<string, number>();
  for (const line of answer.text.split('\n')) {
    const match = /^(\S+(?:\{.*\})?) (\S+)$/.exec(line);
    if (match && !line.startsWith('#')) values.set(match[1], Number(match[2]));
  }
  return values;
}

function delta(before: Map<string, number>, after: Map<string, number>, key: string): number {
  return (after.get(key) ?? 0) - (before.get(key) ?? 0);
}
