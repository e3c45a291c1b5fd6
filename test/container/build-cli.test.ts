import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isPruned, renderDockerfile } from '../../src/core/container/context.js';
import { EXIT_CODES } from '../../src/core/errors/index.js';
import { openTracking } from '../../src/core/tracking/index.js';
import {
  expectJsonError,
  makeWorkdir,
  REAL_DATA,
  removeWorkdir,
  requireBuild,
  runCli,
  type CliResult,
} from '../cli/helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

let workdir: string;
let runId: string;
let version: string;

beforeAll(async () => {
  requireBuild();
  workdir = await makeWorkdir('build');
  for (const args of [['split', '--data', REAL_DATA], ['train', '--family', 'logistic'], ['register']]) {
    const result = await runCli(args, { cwd: workdir });
    expect(result.code, result.stderr).toBe(0);
  }
  const { registry } = openTracking(join(workdir, 'mlruns'));
  const champion = (await registry.getVersionByAlias('HealthPredict', 'champion'))!;
  runId = champion.runId;
  version = champion.version;
}, 120_000);
afterAll(async () => {
  await removeWorkdir(workdir);
});

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd: workdir, env });
}

/** Production packages as package-lock.json lists them and npm installed them, computed here on its own. */
async function installedProductionPackages(): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev && existsSync(join(root, path)))
    .map(([path]) => path);
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
}

describe('build --context-out', () => {
  it('writes the Dockerfile, the CLI with its production dependencies and the model, with no engine', async () => {
    const out = join(workdir, 'context');
    const result = await cli(
      ['build', '--context-out', out, '--source-commit', 'abcdef0123456789', '--json'],
      NO_ENGINE,
    );

    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({
      built: false,
      model: { name: 'HealthPredict', version, runId },
      reference: `healthpredict:${version}-abcdef0`,
      tags: [`healthpredict:${version}-abcdef0`],
      context: { dir: out },
    });
    expect(document.labels).toMatchObject({
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.revision': 'abcdef0123456789',
      'io.healthpredict.model.run-id': runId,
    });

    const dockerfile = await readFile(join(out, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('ARG BASE_IMAGE="healthpredict/node-base:20"\nFROM ${BASE_IMAGE}');
    expect(dockerfile).toContain(`ARG MODEL_VERSION="${version}"`);
    expect(dockerfile).toContain(`ARG MODEL_RUN_ID="${runId}"`);
    expect(dockerfile).toContain('USER 10001:10001');
    expect(dockerfile).not.toMatch(/^RUN /m);

    // The model directory holds the run's artifact as the tracking store has it, plus the registered name.
    const { tracking } = openTracking(join(workdir, 'mlruns'));
    for (const path of await tracking.listArtifacts(runId, 'model')) {
      const baked = await readFile(join(out, path));
      expect(baked.equals(await tracking.readArtifact(runId, path)), path).toBe(true);
    }
    expect(await readFile(join(out, 'model/registered_model_meta'), 'utf8')).toBe(
      `model_name: HealthPredict\nmodel_version: "${version}"\n`,
    );

    const app = await walk(join(out, 'app'));
    const packages = new Set(app.filter((f) => f.endsWith('/package.json')).map((f) => dirname(f)));
    for (const expected of await installedProductionPackages())
      expect(packages.has(expected), expected).toBe(true);
    expect(document.context.packages).toBe((await installedProductionPackages()).length);
    for (const devOnly of [
      'vitest',
      'typescript',
      'prettier',
      'oclif',
      'kubernetes-models',
      'aws-sdk-client-mock',
    ]) {
      expect(packages.has(`node_modules/${devOnly}`), devOnly).toBe(false);
    }
    expect(
      app.filter((f) => f.endsWith('.d.ts') || (f.endsWith('.map') && f.includes('node_modules/'))),
    ).toEqual([]);
    const koffiBuilds = new Set(
      app.filter((f) => f.includes('koffi/build/koffi/')).map((f) => f.split('/')[4]),
    );
    expect([...koffiBuilds]).toEqual([`linux_${process.arch}`]);
    expect(app).toContain('dist/commands/serve.js');
    expect(app).toContain('bin/run.js');
  });

  it('refuses a directory that is not empty', async () => {
    const out = join(workdir, 'full');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'keep.txt'), 'x');
    const error = expectJsonError(
      await cli(['build', '--context-out', out, '--json'], NO_ENGINE),
      EXIT_CODES.usage,
    );
    expect(error.message).toBe(`the context directory ${out} is not empty`);
  });

  it('refuses a model URI that names no registered version, since the image pins one', async () => {
    const error = expectJsonError(
      await cli([
        'build',
        '--model-uri',
        `runs:/${runId}/model`,
        '--context-out',
        join(workdir, 'c2'),
        '--json',
      ]),
      EXIT_CODES.usage,
    );
    expect(error.message).toContain('names no registered version');
  });
});

describe('build and push with no engine', () => {
  it(`build exits ${EXIT_CODES.external} and says how to start one, or to write the context alone`, async () => {
    const error = expectJsonError(await cli(['build', '--json'], NO_ENGINE), EXIT_CODES.external);
    expect(error.message).toMatch(/^no container engine answers at unix:\/\/\/nonexistent\/docker\.sock: /);
    expect(error.fix).toContain('--context-out DIR');
  });

  it(`push exits ${EXIT_CODES.external} with the same error`, async () => {
    const result = await cli(
      ['push', 'healthpredict:1-abcdef0', '--registry', '127.0.0.1:5000/healthpredict', '--json'],
      NO_ENGINE,
    );
    const error = expectJsonError(result, EXIT_CODES.external);
    expect(error.message).toMatch(/^no container engine answers at unix:\/\/\/nonexistent\/docker\.sock/);
  });
});

describe('the context rules', () => {
  it('prunes declarations, maps, docs, C sources and other platforms, and keeps licences', () => {
    expect(isPruned('node_modules/a/index.js')).toBe(false);
    expect(isPruned('node_modules/a/index.d.ts')).toBe(true);
    expect(isPruned('node_modules/a/index.js.map')).toBe(true);
    expect(isPruned('node_modules/a/README.md')).toBe(true);
    expect(isPruned('node_modules/a/LICENSE.md')).toBe(false);
    expect(isPruned('node_modules/a/src/addon.cc')).toBe(true);
    expect(isPruned('node_modules/koffi/build/koffi/win32_x64/koffi.node')).toBe(true);
    expect(isPruned(`node_modules/koffi/build/koffi/linux_${process.arch}/koffi.node`)).toBe(false);
  });

  it('fills the ARG defaults of the template and refuses values that would break a Dockerfile', () => {
    const template = 'ARG BASE_IMAGE=x\nFROM ${BASE_IMAGE}\nARG MODEL_VERSION\nLABEL v="${MODEL_VERSION}"\n';
    expect(renderDockerfile(template, { BASE_IMAGE: 'node:20-slim', MODEL_VERSION: '7' })).toBe(
      'ARG BASE_IMAGE="node:20-slim"\nFROM ${BASE_IMAGE}\nARG MODEL_VERSION="7"\nLABEL v="${MODEL_VERSION}"\n',
    );
    expect(() => renderDockerfile(template, { BASE_IMAGE: 'a"b', MODEL_VERSION: '7' })).toThrow(/quote/);
    expect(() => renderDockerfile(template, { BASE_IMAGE: 'x', MODEL_VERSION: '7', OTHER: '1' })).toThrow(
      /no ARG OTHER/,
    );
  });
});
