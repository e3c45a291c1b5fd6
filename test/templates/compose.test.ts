import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Ajv2019 } from 'ajv/dist/2019.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { documentedInfra } from './infra-docs.js';

const COMPOSE_DIR = resolve(import.meta.dirname, '../../templates/compose');

/**
 * The Compose specification's JSON schema as Debian's docker-compose package ships it (the schema that
 * `docker-compose config` itself validates against); .ci/setup.d/infra.sh installs the package.
 */
const COMPOSE_SCHEMA = '/usr/lib/python3/dist-packages/compose/config/compose_spec.json';

type Service = Record<string, any>;
let compose: { services: Record<string, Service>; [key: string]: any };
let text: string;
let envExample: string;
let work: string;

beforeAll(async () => {
  text = readFileSync(join(COMPOSE_DIR, 'docker-compose.yml'), 'utf8');
  compose = parse(text, { merge: true });
  envExample = readFileSync(join(COMPOSE_DIR, '.env.example'), 'utf8');
  work = await mkdtemp(join(tmpdir(), 'healthpredict-compose-'));
  await cp(COMPOSE_DIR, work, { recursive: true });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` and the rest of Compose's interpolation forms. */
const REFERENCE = /\$\{([A-Z0-9_]+)(?:(:?[-?+])([^}]*))?\}/g;

function references(source: string): Array<{ name: string; form: string; rest: string }> {
  const withoutEscapes = source.replaceAll('$$', '');
  return [...withoutEscapes.matchAll(REFERENCE)].map((m) => ({
    name: m[1],
    form: m[2] ?? '',
    rest: m[3] ?? '',
  }));
}

function envKeys(source: string): Map<string, string> {
  return new Map(
    source.split('\n').flatMap((line) => {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      return match ? [[match[1], match[2]] as [string, string]] : [];
    }),
  );
}

/** The example with every empty value filled, as an operator fills it. */
function filledEnv(): string {
  return [...envKeys(envExample)]
    .map(([key, value]) => `${key}=${value || `test-${key.toLowerCase()}`}`)
    .join('\n');
}

function dockerCompose(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('docker-compose', args, {
    cwd: work,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  if (result.error) {
    throw new Error(
      `docker-compose cannot run (${result.error.message}): install Debian's docker-compose package`,
    );
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('templates/compose/docker-compose.yml', () => {
  it("validates against the Compose specification's JSON schema", () => {
    expect(existsSync(COMPOSE_SCHEMA), `${COMPOSE_SCHEMA}: install Debian's docker-compose`).toBe(true);
    // The schema still carries draft-04 "id" keywords, which Ajv refuses and which only name parts of the
    // schema, and names its draft (2019-09) by an http:// URI Ajv does not know: both are dropped, and the
    // draft is Ajv2019's. Its own formats (ports, durations) are left to docker-compose below.
    const schema = JSON.parse(readFileSync(COMPOSE_SCHEMA, 'utf8'), (key, value) =>
      (key === 'id' || key === '$schema') && typeof value === 'string' ? undefined : value,
    );
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);

    const broken = structuredClone(compose);
    broken.services.mlflow.ports = [{ published: 'five thousand', target: 'x' }];
    broken.services.postgres.restart_policy = 'always';
    expect(validate(broken)).toBe(false);
  });

  it('is accepted by docker-compose once .env is filled in', async () => {
    await writeFile(join(work, '.env'), filledEnv());
    const result = dockerCompose(['config', '-q']);
    expect(result.status, result.stderr).toBe(0);
  });

  it('has no default password that works: with the example as it is, docker-compose refuses and says why', async () => {
    await writeFile(join(work, '.env'), envExample);
    const result = dockerCompose(['config', '-q']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/set [A-Z_]+ in \.env/);

    const secrets = references(text).filter((r) => /PASSWORD|SECRET|FERNET/.test(r.name));
    expect(new Set(secrets.map((r) => r.name))).toEqual(
      new Set([
        'POSTGRES_PASSWORD',
        'AIRFLOW_DB_PASSWORD',
        'MLFLOW_DB_PASSWORD',
        'AIRFLOW_ADMIN_PASSWORD',
        'AIRFLOW_WEBSERVER_SECRET_KEY',
        'AIRFLOW_FERNET_KEY',
      ]),
    );
    expect(secrets.filter((r) => r.form !== ':?')).toEqual([]);
    for (const { name } of secrets) expect(envKeys(envExample).get(name), name).toBe('');
  });

  it('runs Postgres with one database each for Airflow and MLflow, MLflow on it with S3 artifacts', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'airflow-init',
      'airflow-scheduler',
      'airflow-webserver',
      'mlflow',
      'postgres',
    ]);
    const init = readFileSync(join(COMPOSE_DIR, 'postgres/init-databases.sh'), 'utf8');
    expect(init).toMatch(/CREATE DATABASE airflow OWNER airflow;/);
    expect(init).toMatch(/CREATE DATABASE mlflow OWNER mlflow;/);
    expect(compose.services.postgres.volumes).toContain(
      './postgres/init-databases.sh:/docker-entrypoint-initdb.d/init-databases.sh:ro',
    );

    const mlflow = compose.services.mlflow;
    expect(mlflow.environment.MLFLOW_BACKEND_STORE_URI).toMatch(
      /^postgresql:\/\/mlflow:.*@postgres:5432\/mlflow$/,
    );
    expect(mlflow.environment.MLFLOW_ARTIFACTS_DESTINATION).toMatch(/^\$\{MLFLOW_ARTIFACTS_DESTINATION:\?/);
    expect(
      envKeys(readFileSync(join(COMPOSE_DIR, '.env.example'), 'utf8')).has('MLFLOW_ARTIFACTS_DESTINATION'),
    ).toBe(true);
    expect(mlflow.depends_on.postgres.condition).toBe('service_healthy');
  });

  it('runs Airflow with the LocalExecutor on its database, the DAGs mounted, after the init', () => {
    for (const name of ['airflow-init', 'airflow-webserver', 'airflow-scheduler']) {
      const service = compose.services[name];
      expect(service.environment.AIRFLOW__CORE__EXECUTOR, name).toBe('LocalExecutor');
      expect(service.environment.AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, name).toMatch(
        /@postgres:5432\/airflow$/,
      );
      expect(service.environment.MLFLOW_TRACKING_URI, name).toBe('http://mlflow:5000');
      expect(service.volumes, name).toContain('${AIRFLOW_DAGS_DIR:-./dags}:/opt/airflow/dags:ro');
    }
    for (const name of ['airflow-webserver', 'airflow-scheduler']) {
      expect(compose.services[name].depends_on['airflow-init'].condition).toBe(
        'service_completed_successfully',
      );
    }
    expect(compose.services['airflow-init'].command[0]).toMatch(
      /^airflow db migrate && airflow users create/,
    );
    // The tasks run in the scheduler: only it reaches the Docker Engine and the kind cluster.
    const withSocket = Object.entries(compose.services)
      .filter(([, service]) =>
        (service.volumes ?? []).some((v: string) => v.startsWith('/var/run/docker.sock')),
      )
      .map(([name]) => name);
    expect(withSocket).toEqual(['airflow-scheduler']);
  });

  it('publishes the ports, and uses the variables, that the README documents', () => {
    const documented = documentedInfra();
    const published = Object.entries(compose.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port: string) => {
        const match = /^\$\{([A-Z_]+):-(\d+)\}:(\d+)$/.exec(port);
        if (!match) throw new Error(`${name}: port "${port}" is not \${VARIABLE:-port}:port`);
        return { service: name, variable: match[1], port: Number(match[2]), container: Number(match[3]) };
      }),
    );
    expect(published.map(({ service, port }) => ({ service, port })).sort((a, b) => a.port - b.port)).toEqual(
      documented.composePorts,
    );
    for (const { variable, port, container } of published) {
      expect(container).toBe(port);
      expect(envKeys(envExample).get(variable)).toBe(String(port));
    }

    const used = new Set(references(text).map((r) => r.name));
    const example = new Set(envKeys(envExample).keys());
    expect(
      [...used].filter((name) => !example.has(name)),
      'used but not in .env.example',
    ).toEqual([]);
    expect(
      [...example].filter((name) => !used.has(name)),
      'in .env.example but unused',
    ).toEqual([]);
    expect([...example].sort()).toEqual([...documented.envVariables].sort());
  });
});
