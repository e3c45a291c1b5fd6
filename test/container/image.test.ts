import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type Docker from 'dockerode';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connectEngine, followEngineStream, type Engine } from '../../src/core/container/engine.js';
import { parseImageRef } from '../../src/core/container/image-ref.js';
import { loadModelBundle, type ModelBundle } from '../../src/core/container/model-files.js';
import { resolveDigest } from '../../src/core/container/registry-api.js';
import { readCsvFromStore } from '../../src/core/data/read.js';
import type { Table } from '../../src/core/data/table.js';
import { scoreTable } from '../../src/core/models/scorer.js';
import { LocalStore } from '../../src/core/storage/local-store.js';
import { openTracking } from '../../src/core/tracking/index.js';
import { REAL_DATA, removeWorkdir, requireBuild, runCli, type CliResult } from '../cli/helpers.js';

/**
 * The whole way of an image, against Debian's dockerd and docker-registry that `.ci/setup.d/containers.sh`
 * starts on this machine: train and register a champion through the CLI, `build --push` it to the registry on
 * 127.0.0.1:5000, remove it from the engine, pull it back by digest, run it as the Deployment would (non-root,
 * read-only root file system, no capabilities), and compare its HTTP predictions with the offline scorer's.
 */
const REGISTRY = '127.0.0.1:5000';
const BASE_IMAGE = 'healthpredict/node-base:20';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const engine: Engine | undefined = await connectEngine().catch(() => undefined);
const registryAnswers = await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(3_000) }).then(
  (response) => response.ok,
  () => false,
);
const ready = engine !== undefined && registryAnswers;
if (!ready) {
  const missing = engine ? `no registry answers at ${REGISTRY}` : 'no container engine answers';
  // CI starts both (.ci/setup.d/containers.sh), so there a missing one fails the run instead of skipping.
  if (process.env.CI) throw new Error(`${missing}: .ci/setup.d/containers.sh should have started it`);
  console.warn(`skipping the image tests: ${missing} (run start_containers from .ci/setup.d/containers.sh)`);
}

describe.skipIf(!ready)('the serving image, built, pushed, pulled back and run', () => {
  let workdir: string;
  let docker: Docker;
  let build: BuildDocument;
  let bundle: ModelBundle;
  let table: Table;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    requireBuild();
    docker = engine!.docker;
    workdir = await mkdtemp(join(tmpdir(), 'hp-image-'));
    const cli = (args: string[]) => runCli(args, { cwd: workdir });
    expectOk(await cli(['split', '--data', REAL_DATA]));
    expectOk(await cli(['train', '--family', 'xgboost', '--threads', '2']));
    expectOk(await cli(['register']));
    await ensureBaseImage(docker);

    const result = await cli([
      'build',
      '--registry',
      `${REGISTRY}/healthpredict`,
      '--tag',
      'test',
      '--push',
      '--json',
    ]);
    expectOk(result);
    build = JSON.parse(result.stdout) as BuildDocument;
    cleanups.push(() =>
      docker
        .getImage(build.pushed.reference)
        .remove({ force: true })
        .catch(() => undefined),
    );

    const { tracking, registry } = openTracking(join(workdir, 'mlruns'));
    bundle = await loadModelBundle('models:/HealthPredict@champion', { tracking, registry });
    table = await readCsvFromStore(
      new LocalStore(join(workdir, '.healthpredict/store')),
      'processed/initial_test.csv',
    );
  }, 600_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await removeWorkdir(workdir);
  });

  it('answers one JSON document naming the tags, the labels and the digest the registry gave', () => {
    const sha7 = build.sourceCommit.slice(0, 7);
    expect(build.reference).toBe(`${REGISTRY}/healthpredict:${bundle.version}-${sha7}`);
    expect(build.tags).toEqual([build.reference, `${REGISTRY}/healthpredict:test`]);
    expect(build.labels).toMatchObject({
      'org.opencontainers.image.version': bundle.version,
      'org.opencontainers.image.revision': build.sourceCommit,
      'org.opencontainers.image.base.name': BASE_IMAGE,
      'io.healthpredict.model.name': 'HealthPredict',
      'io.healthpredict.model.version': bundle.version,
      'io.healthpredict.model.run-id': bundle.runId,
    });
    expect(build.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(build.pushed.reference).toBe(`${REGISTRY}/healthpredict@${build.digest}`);
  });

  it('resolves to the same digest through the registry API, as deploy pins a tag given to it', async () => {
    expect(await resolveDigest(parseImageRef(build.reference))).toBe(build.digest);
    expect(await resolveDigest(parseImageRef(`${REGISTRY}/healthpredict:no-such-tag`))).toBeUndefined();
  });

  it('is pushed by `push` to another repository under the same digest, since the manifest is the same', async () => {
    const result = await runCli(
      ['push', build.reference, '--registry', `${REGISTRY}/healthpredict-copy`, '--tag', 'copy', '--json'],
      { cwd: workdir },
    );
    expectOk(result);
    const pushed = JSON.parse(result.stdout);
    cleanups.push(() =>
      docker
        .getImage(`${REGISTRY}/healthpredict-copy:copy`)
        .remove({ force: true })
        .catch(() => undefined),
    );

    expect(pushed).toEqual({
      reference: `${REGISTRY}/healthpredict-copy@${build.digest}`,
      repository: `${REGISTRY}/healthpredict-copy`,
      registry: REGISTRY,
      tags: [`${REGISTRY}/healthpredict-copy:copy`],
      digest: build.digest,
      sizeBytes: expect.any(Number),
    });
  });

  it('is pulled back from the registry by digest, with its labels and a non-root user', async () => {
    for (const tag of build.tags)
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    await docker
      .getImage(build.imageId)
      .remove({ force: true })
      .catch(() => undefined);
    await expect(docker.getImage(build.imageId).inspect()).rejects.toThrow();

    const stream = await docker.pull(build.pushed.reference);
    await followEngineStream(stream, docker, 'pull', () => {});
    const image = await docker.getImage(build.pushed.reference).inspect();

    expect(image.Id).toBe(build.imageId);
    expect(image.RepoDigests).toContain(build.pushed.reference);
    expect(image.Config.User).toBe('10001:10001');
    expect(image.Config.Labels).toMatchObject(build.labels);
    // The node binary alone is about 100 MB; the CLI, its production dependencies and the model about 75 MB.
    expect(image.Size).toBeLessThan(250e6);
  });

  it('holds node, the CLI and the model, but no shell, compiler, package manager or native XGBoost', async () => {
    const files = await imageFiles(docker, build.pushed.reference);

    expect(files).toEqual(
      expect.arrayContaining([
        'usr/local/bin/node',
        'app/bin/run.js',
        'app/dist/commands/serve.js',
        'app/model/MLmodel',
        'app/model/weights.json',
        'app/model/registered_model_meta',
      ]),
    );
    const unwanted =
      /(^|\/)(sh|bash|dash|busybox|apt|apt-get|dpkg|gcc|cc|c\+\+|g\+\+|make|npm|npx|yarn|pip)$|libxgboost/;
    expect(files.filter((file) => unwanted.test(file))).toEqual([]);
    expect(files.filter((file) => file.includes('node_modules/vitest/'))).toEqual([]);
  });

  it('serves predictions over HTTP that equal the offline scorer, as a non-root user on a read-only root', async () => {
    const port = await freePort();
    const container = await docker.createContainer({
      Image: build.pushed.reference,
      Cmd: ['serve', '--model-uri', '/app/model', '--host', '127.0.0.1', '--port', String(port)],
      HostConfig: {
        NetworkMode: 'host',
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,size=64m' },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
      },
    });
    cleanups.push(() => container.remove({ force: true }).catch(() => undefined));
    await container.start();
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url, container);

    const info = (await (await fetch(`${url}/model-info`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ name: 'HealthPredict', version: bundle.version, run_id: bundle.runId });
    const top = await container.top({ ps_args: '-o pid,uid,comm' });
    const uid = top.Titles.indexOf('UID');
    expect(top.Processes.map((process) => process[uid])).toEqual(['10001']);

    // Expired and hospice dispositions are refused by design (422), so they are left out.
    const excluded = new Set(['11', '13', '14', '19', '20', '21']);
    const disposition = table.columns.indexOf('discharge_disposition_id');
    const rows = table.rows.filter((row) => !excluded.has(row[disposition])).slice(0, 500);
    const sample: Table = { ...table, rows };
    const expected = scoreTable(bundle.artifact, sample);
    const response = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: rows.map((row) => asRecord(table.columns, row)) }),
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { predictions: Prediction[] };

    expect(answer.predictions).toHaveLength(rows.length);
    const threshold = bundle.artifact.descriptor.threshold;
    answer.predictions.forEach((prediction, i) => {
      expect(prediction.probability).toBe(expected[i]);
      expect(prediction.prediction).toBe(expected[i] >= threshold ? 1 : 0);
      expect(prediction.threshold).toBe(threshold);
      expect(prediction.model).toEqual({
        name: 'HealthPredict',
        version: bundle.version,
        run_id: bundle.runId,
      });
    });
  });
});

interface BuildDocument {
  sourceCommit: string;
  reference: string;
  tags: string[];
  labels: Record<string, string>;
  imageId: string;
  digest: string;
  pushed: { reference: string };
}

interface Prediction {
  prediction: 0 | 1;
  probability: number;
  threshold: number;
  model: Record<string, unknown>;
}

function expectOk(result: CliResult): void {
  expect(result.code, `stdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`).toBe(0);
}

/** The base image comes from this machine's own node (no registry has one here); CI makes it beforehand. */
async function ensureBaseImage(docker: Docker): Promise<void> {
  const exists = await docker
    .getImage(BASE_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    );
  if (exists) return;
  await promisify(execFile)('bash', [join(root, 'templates/docker/make-base-image.sh'), BASE_IMAGE], {
    timeout: 120_000,
  });
}

/** Every file of the image's file system, from `docker export` of a container that never runs. */
async function imageFiles(docker: Docker, image: string): Promise<string[]> {
  const container = await docker.createContainer({ Image: image, Cmd: ['--version'] });
  try {
    const entries = extract();
    const exported = await container.export();
    exported.pipe(entries as unknown as NodeJS.WritableStream);
    const files: string[] = [];
    for await (const entry of entries) {
      if (entry.header.type !== 'directory') files.push(entry.header.name.replace(/^\.?\//, ''));
      entry.resume();
    }
    return files;
  } finally {
    await container.remove({ force: true });
  }
}

/** A row as a JSON record under the data set's names: counts and codes as numbers, the rest as strings. */
function asRecord(columns: readonly string[], row: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  columns.forEach((name, i) => {
    if (name === 'target') return;
    record[name] = /^\d+$/.test(row[i]) && !name.startsWith('diag_') ? Number(row[i]) : row[i];
  });
  return record;
}

async function waitUntilReady(url: string, container: Docker.Container): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    const state = await container.inspect();
    if (!state.State.Running) {
      const logs = await container.logs({ stdout: true, stderr: true });
      throw new Error(`the container exited (${state.State.ExitCode}): ${logs.toString().slice(-2000)}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${url}/ready did not answer within 60 s`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
