import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { EXIT_CODES } from '../../src/core/errors/index.js';
import { requireBuild, runHealthpredict } from './cli.js';

const TEMPLATES = resolve(import.meta.dirname, '../../templates');
const root = resolve(import.meta.dirname, '../..');

// What infra up saves for a stack (the rule of infra up, written out here by hand).
const STACK = {
  store: 's3://hp-123456789012-eu-west-1/healthpredict',
  registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hp',
  awsRegion: 'eu-west-1',
};

let work: string;

beforeAll(() => requireBuild());
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'healthpredict-init-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const init = (args: string[]) =>
  runHealthpredict(['init', ...args], {
    cwd: work,
    path: '/usr/bin:/bin',
    env: { HEALTHPREDICT_QUIET: '1' },
  });

/** The `KEY=value` lines of an env file. */
function env(text: string): Record<string, string> {
  const lines = text.split('\n').map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line));
  return Object.fromEntries(lines.filter((match) => match !== null).map((match) => [match[1], match[2]]));
}

describe('healthpredict init DIR', () => {
  it('writes the Compose stack, the DAGs and the workflow, with the stack filled in from the configuration', async () => {
    await writeFile(join(work, 'healthpredict.config.json'), JSON.stringify(STACK));
    const result = await init(['ops', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const ops = join(work, 'ops');
    const dags = (await readdir(join(TEMPLATES, 'airflow/dags'))).filter((name) => name.endsWith('.py'));
    expect(JSON.parse(result.stdout).files.sort()).toEqual(
      [
        '.env.example',
        '.github/workflows/healthpredict-deploy.yml',
        'airflow.Dockerfile',
        'docker-compose.yml',
        'mlflow.Dockerfile',
        'postgres/init-databases.sh',
        ...dags.map((name) => `dags/${name}`),
      ].sort(),
    );
    // Copies as they are, but for the two files with values.
    for (const [from, to] of [
      ['compose/docker-compose.yml', 'docker-compose.yml'],
      ['airflow/dags/healthpredict_monitoring_retraining.py', 'dags/healthpredict_monitoring_retraining.py'],
    ]) {
      expect(await readFile(join(ops, to), 'utf8')).toBe(await readFile(join(TEMPLATES, from), 'utf8'));
    }
    expect(statSync(join(ops, 'postgres/init-databases.sh')).mode & 0o111).not.toBe(0);

    const values = env(await readFile(join(ops, '.env.example'), 'utf8'));
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    expect(values).toMatchObject({
      HEALTHPREDICT_STORE: STACK.store,
      MLFLOW_ARTIFACTS_DESTINATION: 's3://hp-123456789012-eu-west-1/mlflow',
      HEALTHPREDICT_REGISTRY: STACK.registry,
      AWS_REGION: STACK.awsRegion,
      HEALTHPREDICT_PACKAGE: `healthpredict-${version}.tgz`,
      POSTGRES_PASSWORD: '',
      AIRFLOW_FERNET_KEY: '',
    });
    if (existsSync(join(root, '.git'))) {
      expect(values.HEALTHPREDICT_SOURCE_COMMIT).toBe(
        execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
      );
    }
    expect(JSON.parse(result.stdout).unfilled).toEqual(
      expect.arrayContaining(['POSTGRES_PASSWORD', 'AIRFLOW_ADMIN_PASSWORD', 'DOCKER_GID']),
    );

    const workflowText = await readFile(join(ops, '.github/workflows/healthpredict-deploy.yml'), 'utf8');
    const workflow = parse(workflowText);
    expect(workflow.env).toMatchObject({
      AWS_REGION: STACK.awsRegion,
      HEALTHPREDICT_REGISTRY: STACK.registry,
      HEALTHPREDICT_STORE: STACK.store,
      MLFLOW_TRACKING_URI: '${{ vars.MLFLOW_TRACKING_URI }}',
    });
    expect(workflowText).toContain('# Copy to .github/workflows/');
  });

  it('leaves the placeholders of what the configuration does not know', async () => {
    const result = await init(['ops', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const values = env(await readFile(join(work, 'ops/.env.example'), 'utf8'));
    expect(values.HEALTHPREDICT_STORE).toBe('');
    expect(
      parse(await readFile(join(work, 'ops/.github/workflows/healthpredict-deploy.yml'), 'utf8')).env
        .AWS_REGION,
    ).toBe('${{ vars.AWS_REGION }}');
  });

  it('replaces nothing without --force, and writes nothing then', async () => {
    await init(['ops']);
    await writeFile(join(work, 'ops/docker-compose.yml'), 'edited by the operator\n');
    await rm(join(work, 'ops/dags'), { recursive: true });
    const again = await init(['ops']);
    expect(again.code).toBe(EXIT_CODES.usage);
    expect(again.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/^Error: .*docker-compose\.yml already exists .*\(.*--force.*\)$/m);
    expect(existsSync(join(work, 'ops/dags'))).toBe(false);
    expect(await readFile(join(work, 'ops/docker-compose.yml'), 'utf8')).toBe('edited by the operator\n');

    const forced = await init(['ops', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(work, 'ops/docker-compose.yml'), 'utf8')).toBe(
      await readFile(join(TEMPLATES, 'compose/docker-compose.yml'), 'utf8'),
    );
  });
});
