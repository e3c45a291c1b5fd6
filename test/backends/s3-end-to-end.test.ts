import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readDataset } from '../../src/core/data/read.js';
import { CHAMPION_ALIAS, CHAMPION_MODEL } from '../../src/core/pipeline/register.js';
import { FileModelRegistry } from '../../src/core/registry/file-store.js';
import { S3Store } from '../../src/core/storage/index.js';
import {
  makeWorkdir,
  REAL_DATA,
  removeWorkdir,
  requireBuild,
  runCli,
  runDirectories,
} from '../cli/helpers.js';
import { removeS3rverData, S3RVER_ENV, startS3rver, type RunningS3rver } from '../storage/s3rver.js';

/**
 * The commands against s3rver, a real S3 protocol server started here on loopback: the raw data set is
 * uploaded to one bucket (the uncompressed file as a multipart upload), and split, train, register, monitor
 * and visualize keep their store in another, with the tracking store in the working directory.
 */

let s3: RunningS3rver;
let workdir: string;
let uploadParts = 0;
const DATA_GZ = 's3://hp-data/raw/diabetic_data.csv.gz';
const DATA_CSV = 's3://hp-data/raw/diabetic_data.csv';
const STORE = 's3://hp-store/job';
const LIVE_MLFLOW = process.env.HEALTHPREDICT_TEST_MLFLOW_URI ?? '';
/** A short main job: one family, two trials, two batches. */
const SHORT_RUN = ['--family', 'logistic', '--trials', '2', '--batches', '2'];

beforeAll(async () => {
  requireBuild();
  s3 = await startS3rver(['hp-data', 'hp-store']);
  workdir = await makeWorkdir('s3');
  const data = new S3Store('s3://hp-data/raw', { endpoint: s3.endpoint });
  data.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UploadPartCommand') uploadParts += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countParts' },
  );
  await data.writeStream('diabetic_data.csv.gz', createReadStream(REAL_DATA));
  await data.writeStream('diabetic_data.csv', createReadStream(REAL_DATA).pipe(createGunzip()));
});

afterAll(async () => {
  if (s3) await removeS3rverData(s3);
  await removeWorkdir(workdir);
});

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli([...args, '--json'], { cwd: workdir, env: { ...S3RVER_ENV, ...env } });
}

function parsed(result: { code: number | null; stdout: string; stderr: string }): Record<string, any> {
  expect(result.code, result.stderr || result.stdout).toBe(0);
  return JSON.parse(result.stdout) as Record<string, any>;
}

describe('the data set on S3', () => {
  it('uploaded the 18 MB uncompressed file as a multipart upload of three 8 MiB parts', async () => {
    const objects = new S3Store('s3://hp-data', { endpoint: s3.endpoint });
    const size = (await readFile(REAL_DATA)).length;
    expect(uploadParts).toBe(3);
    expect(await objects.list('raw')).toEqual(['raw/diabetic_data.csv', 'raw/diabetic_data.csv.gz']);
    expect((await objects.read('raw/diabetic_data.csv.gz')).length).toBe(size);
  });

  it('reads the .gz as a stream: every row, and the sha256 and size of the stored bytes', async () => {
    const table = await readDataset(DATA_GZ, { s3: { endpoint: s3.endpoint } });
    const local = await readFile(REAL_DATA);
    // 101,766 encounters: the UCI description of the data set.
    expect(table.rows).toHaveLength(101_766);
    expect(table.origin).toEqual({
      uri: DATA_GZ,
      path: DATA_GZ,
      sha256: createHash('sha256').update(local).digest('hex'),
      bytes: (await stat(REAL_DATA)).size,
    });
    const plain = await readDataset(DATA_CSV, { s3: { endpoint: s3.endpoint } });
    expect(plain.rows).toHaveLength(101_766);
    expect(plain.rows.at(-1)).toEqual(table.rows.at(-1));
  });

  it('reports a missing object and a missing bucket as the user’s to fix', async () => {
    const missing = await readDataset('s3://hp-data/raw/nope.csv.gz', {
      s3: { endpoint: s3.endpoint },
    }).catch((e: unknown) => e as Error);
    expect(missing.message).toBe('"raw/nope.csv.gz" is not in the store s3://hp-data');
    const bucket = await readDataset('s3://hp-nothing/raw/x.csv', { s3: { endpoint: s3.endpoint } }).catch(
      (e: unknown) => e as Error,
    );
    expect(bucket.message).toMatch(/^the bucket "hp-nothing" does not exist/);
  });
});

describe('split, train, register, monitor and visualize with the store on S3', () => {
  it('runs each command against the bucket', async () => {
    const endpoint = ['--store', STORE, '--s3-endpoint', s3.endpoint];
    const split = parsed(await cli(['split', '--data', DATA_GZ, ...endpoint]));
    // DESIGN.md section 3: 14,247 / 3,053 / 3,053 rows on the full file.
    const rows = Object.fromEntries(
      split.manifest.files.map((f: { key: string; rows: number }) => [f.key, f.rows]),
    );
    expect(rows['processed/initial_train.csv']).toBe(14_247);
    expect(rows['processed/initial_test.csv']).toBe(3_053);
    expect(split.manifest.source.uri).toBe(DATA_GZ);

    const train = parsed(await cli(['train', '--family', 'logistic', ...endpoint]));
    expect(train.families.map((f: { family: string }) => f.family)).toEqual(['logistic']);
    const register = parsed(await cli(['register', ...endpoint]));
    expect(register.gate.promoted).toBe(true);
    expect(register.championVersion).toBe('1');
    // The endpoint through the environment, as AWS_ENDPOINT_URL_S3 or HEALTHPREDICT_S3_ENDPOINT give it.
    const monitor = parsed(
      await cli(['monitor', '--batch', '1', '--store', STORE], { AWS_ENDPOINT_URL_S3: s3.endpoint }),
    );
    expect(monitor.batch).toBe(1);
    parsed(await cli(['visualize', ...endpoint]));

    const keys = await new S3Store(STORE, { endpoint: s3.endpoint }).list('');
    expect(keys).toEqual(
      expect.arrayContaining([
        'processed/manifest.json',
        'processed/initial_train.csv',
        'processed/batches/batch_05.csv',
        'drift/batch_01/report.json',
        'drift/batch_01/report.html',
        'reports/index.html',
        'reports/drift-share.png',
      ]),
    );
    expect(keys.filter((key) => key.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with a clear error when the bucket is missing', async () => {
    const result = await runCli(
      ['split', '--data', DATA_GZ, '--store', 's3://hp-missing/job', '--s3-endpoint', s3.endpoint],
      {
        cwd: workdir,
        env: { ...S3RVER_ENV },
      },
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^Error: the bucket "hp-missing" does not exist/);
  });
});

describe('the whole main job with the store on S3', () => {
  it('runs `run --store s3://…` with MLFLOW_TRACKING_URI naming the tracking store', async () => {
    const store = 's3://hp-store/main-job';
    const result = parsed(
      await cli(['run', '--data', DATA_GZ, '--store', store, ...SHORT_RUN], {
        HEALTHPREDICT_S3_ENDPOINT: s3.endpoint,
        MLFLOW_TRACKING_URI: `file://${workdir}/main-job-mlruns`,
      }),
    );
    expect(result.batches).toHaveLength(2);
    expect(result.registration.championVersion).toBe('1');
    const keys = await new S3Store(store, { endpoint: s3.endpoint }).list('');
    expect(keys).toEqual(
      expect.arrayContaining(['loop/decisions.json', 'reports/index.html', 'drift/batch_02/report.json']),
    );
  });

  it.skipIf(!LIVE_MLFLOW)(
    LIVE_MLFLOW
      ? `runs \`run --store s3://…\` against the MLflow server at ${LIVE_MLFLOW}`
      : 'against a live MLflow server: skipped, HEALTHPREDICT_TEST_MLFLOW_URI is not set',
    async () => {
      const result = parsed(
        await cli(['run', '--data', DATA_GZ, '--store', 's3://hp-store/live-job', ...SHORT_RUN], {
          HEALTHPREDICT_S3_ENDPOINT: s3.endpoint,
          MLFLOW_TRACKING_URI: LIVE_MLFLOW,
        }),
      );
      expect(result.batches).toHaveLength(2);
    },
  );
});

describe('S3 failing between commands', () => {
  it('ends train and register with an S3 error and leaves the champion where it was', async () => {
    const registry = new FileModelRegistry(`${workdir}/mlruns`);
    const before = (await registry.getVersionByAlias(CHAMPION_MODEL, CHAMPION_ALIAS))?.version;
    const runsBefore = await runDirectories(workdir);
    await s3.stop();

    const endpoint = ['--store', STORE, '--s3-endpoint', s3.endpoint];
    for (const command of [['train', '--family', 'logistic'], ['register']]) {
      const result = await runCli([...command, ...endpoint], { cwd: workdir, env: { ...S3RVER_ENV } });
      expect(result.code, result.stderr).toBe(70);
      expect(result.stderr).toMatch(
        /^Error: S3: look up s3:\/\/hp-store\/job\/processed\/manifest\.json failed: connect ECONNREFUSED/,
      );
    }
    expect(before).toBe('1');
    expect((await registry.getVersionByAlias(CHAMPION_MODEL, CHAMPION_ALIAS))?.version).toBe(before);
    expect(await runDirectories(workdir)).toEqual(runsBefore);
  });
});
