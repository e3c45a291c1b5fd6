import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT_CODES } from '../../src/core/errors/index.js';
import { checkInvocations, simpleCommands } from './cli-invocations.js';
import { loadManifest, type Manifest, type ManifestFlag } from './manifest.js';

const DAGS = resolve(import.meta.dirname, '../../templates/airflow/dags');
const DAG_TASKS = resolve(import.meta.dirname, 'dag_tasks.py');

/** A run's configuration that sets every value the DAGs read, one family meant to be filtered out. */
const CONF = {
  batch: 3,
  force_retrain: true,
  trials: 5,
  seed: 7,
  families: ['xgboost', 'x; rm -rf /'],
  evaluation: 'processed/batches/batch_03.csv',
  max_auc_drop: 0.01,
  model_uri: 'models:/HealthPredict/2',
  timeout: 300,
};

interface Task {
  operator: string;
  line: number;
  keywords: Record<string, any>;
  unevaluated: string[];
  rendered: Record<
    'default' | 'configured',
    { bash_command?: string; env?: Record<string, string>; conf?: any }
  >;
}

interface DagFile {
  file: string;
  dags: string[];
  imports: string[];
  tasks: Task[];
}

let files: string[];
let described: DagFile[];
let manifest: Manifest;
let work: string;

beforeAll(async () => {
  files = (await readdir(DAGS)).filter((name) => name.endsWith('.py')).map((name) => join(DAGS, name));
  described = JSON.parse(
    execFileSync('python3', [DAG_TASKS, JSON.stringify(CONF), ...files], { encoding: 'utf8' }),
  ) as DagFile[];
  manifest = loadManifest();
  work = await mkdtemp(join(tmpdir(), 'healthpredict-dags-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const dag = (id: string): DagFile => {
  const found = described.find((file) => file.dags.includes(id));
  if (!found) throw new Error(`no DAG ${id}`);
  return found;
};
const task = (dagId: string, taskId: string): Task => {
  const found = dag(dagId).tasks.find((t) => t.keywords.task_id === taskId);
  if (!found) throw new Error(`no task ${taskId} in ${dagId}`);
  return found;
};
const bashTasks = (): Array<{ dag: string; task: Task }> =>
  described.flatMap((file) =>
    file.tasks.filter((t) => t.operator === 'BashOperator').map((t) => ({ dag: file.dags[0], task: t })),
  );

describe('the Airflow DAGs', () => {
  it('compile with python3', () => {
    const cache = join(work, 'pycache');
    for (const file of files) {
      const result = spawnSync('python3', ['-m', 'py_compile', file], {
        env: { ...process.env, PYTHONPYCACHEPREFIX: cache },
        encoding: 'utf8',
      });
      expect(result.status, `${basename(file)}: ${result.stderr}`).toBe(0);
    }
  });

  it('are the three DAGs, one per file named after it, importing only Airflow 2 names that exist', () => {
    expect(described.map((file) => file.dags)).toEqual(described.map((file) => [basename(file.file, '.py')]));
    expect(described.flatMap((file) => file.dags).sort()).toEqual([
      'healthpredict_deployment',
      'healthpredict_monitoring_retraining',
      'healthpredict_training',
    ]);
    const known = new Set([
      '__future__.annotations',
      'airflow.DAG',
      'airflow.operators.bash.BashOperator',
      'airflow.operators.trigger_dagrun.TriggerDagRunOperator',
      'airflow.utils.trigger_rule.TriggerRule',
      'datetime.datetime',
      'datetime.timedelta',
    ]);
    expect(described.flatMap((file) => file.imports).filter((name) => !known.has(name))).toEqual([]);
  });

  it('make every task a BashOperator, but the triggers of the monitoring DAG', () => {
    const others = described.flatMap((file) =>
      file.tasks
        .filter((t) => t.operator !== 'BashOperator')
        .map((t) => `${file.dags[0]}.${t.keywords.task_id}`),
    );
    expect(others.sort()).toEqual([
      'healthpredict_monitoring_retraining.redeploy',
      'healthpredict_monitoring_retraining.retrain',
    ]);
    for (const { task: t } of bashTasks()) expect(t.unevaluated).not.toContain('bash_command');
  });

  it('call only healthpredict commands and flags that exist, each with --json', () => {
    const problems: string[] = [];
    let invocations = 0;
    for (const { dag: dagId, task: t } of bashTasks()) {
      for (const run of ['default', 'configured'] as const) {
        const command = t.rendered[run].bash_command ?? '';
        expect(command, `${dagId}.${t.keywords.task_id}`).not.toMatch(/\{\{|\{%/);
        const found = checkInvocations(command, manifest);
        expect(found.length, `${dagId}.${t.keywords.task_id} calls healthpredict`).toBeGreaterThan(0);
        invocations += found.length;
        problems.push(...found.flatMap((i) => i.problems.map((p) => `${dagId}.${t.keywords.task_id}: ${p}`)));
        // Around the CLI only: the JSON field printer and the forced drift exit.
        const others = simpleCommands(command)
          .map((words) => words[0])
          .filter((word) => word !== 'healthpredict');
        expect(new Set(others), command).toSatisfy((names: Set<string>) =>
          [...names].every((name) => ['python3', 'exit'].includes(name)),
        );
      }
    }
    expect(problems).toEqual([]);
    // train, register, build, deploy, monitor, visualize; once for each of the two renderings.
    expect(invocations).toBe(12);
  });

  it('gate retraining on the CLI drift exit code through skip_on_exit_code', () => {
    const monitor = task('healthpredict_monitoring_retraining', 'monitor');
    expect(monitor.keywords.skip_on_exit_code).toBe(EXIT_CODES.drift);
    expect(monitor.rendered.default.bash_command).toBe('healthpredict monitor --batch 1 --exit-code --json');
    // force_retrain turns "no drift" into the drift exit; a failure of the monitor keeps its own code.
    expect(monitor.rendered.configured.bash_command).toBe(
      `healthpredict monitor --batch 3 --exit-code --json && exit ${EXIT_CODES.drift}`,
    );

    const retrain = task('healthpredict_monitoring_retraining', 'retrain');
    expect(retrain.keywords.trigger_rule).toBe('TriggerRule.ALL_SKIPPED');
    expect(retrain.keywords.trigger_dag_id).toBe('healthpredict_training');
    expect(retrain.rendered.configured.conf).toEqual({ evaluation: 'processed/batches/batch_03.csv' });
    expect(retrain.rendered.default.conf).toEqual({ evaluation: 'processed/batches/batch_01.csv' });
    const redeploy = task('healthpredict_monitoring_retraining', 'redeploy');
    expect(redeploy.keywords.trigger_dag_id).toBe('healthpredict_deployment');
    expect(task('healthpredict_training', 'register').keywords.skip_on_exit_code).toBe(
      EXIT_CODES.gateRejected,
    );
  });

  it('turn the exit codes of monitor into the skip Airflow sees', async () => {
    const monitor = task('healthpredict_monitoring_retraining', 'monitor');
    const cases: Array<[string, number, number]> = [
      // [rendering, exit of healthpredict monitor, exit of the task's command]
      ['default', EXIT_CODES.ok, EXIT_CODES.ok],
      ['default', EXIT_CODES.drift, EXIT_CODES.drift],
      ['configured', EXIT_CODES.ok, EXIT_CODES.drift],
      ['configured', EXIT_CODES.drift, EXIT_CODES.drift],
      ['configured', EXIT_CODES.external, EXIT_CODES.external],
    ];
    for (const [run, cliExit, taskExit] of cases) {
      const result = await runWithFakeCli(monitor.rendered[run as 'default'].bash_command ?? '', {
        exit: cliExit,
        result: { datasetDrift: cliExit === EXIT_CODES.drift },
      });
      expect(result.status, `${run}, monitor exits ${cliExit}`).toBe(taskExit);
    }
  });

  it('hand the parent run and the pushed image to the next task through XCom', async () => {
    const train = task('healthpredict_training', 'train');
    const trained = await runWithFakeCli(train.rendered.default.bash_command ?? '', {
      result: { parentRunId: '0a1b2c3d4e5f', families: [] },
    });
    expect(trained.status, trained.stderr).toBe(0);
    // Airflow keeps the last line of stdout as the task's XCom.
    expect(trained.stdout.trimEnd().split('\n').at(-1)).toBe('0a1b2c3d4e5f');
    expect(task('healthpredict_training', 'register').rendered.default.env?.PARENT_RUN_ID).toBe(
      'XCOM[train]',
    );

    const build = task('healthpredict_deployment', 'build');
    const reference = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hp@sha256:' + 'ab'.repeat(32);
    const built = await runWithFakeCli(build.rendered.default.bash_command ?? '', {
      result: { pushed: { reference } },
      env: build.rendered.default.env,
    });
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout.trimEnd().split('\n').at(-1)).toBe(reference);
    expect(task('healthpredict_deployment', 'deploy').rendered.default.env?.IMAGE).toBe('XCOM[build]');

    const failed = await runWithFakeCli(train.rendered.default.bash_command ?? '', {
      exit: EXIT_CODES.external,
      result: { error: {} },
    });
    expect(failed.status, "the task fails with the CLI's own exit code").toBe(EXIT_CODES.external);
  });

  it('take the batch number and the other values from the run configuration, filtered', () => {
    const train = task('healthpredict_training', 'train').rendered;
    expect(train.default.bash_command).toContain('healthpredict train --hpo --trials 20 --seed 42 --json');
    expect(train.configured.bash_command).toContain(
      'healthpredict train --hpo --trials 5 --seed 7 --family xgboost --json',
    );
    expect(train.configured.bash_command).not.toContain('rm -rf');
    const register = task('healthpredict_training', 'register').rendered;
    expect(register.configured.env?.EVALUATION).toBe(CONF.evaluation);
    expect(register.default.env?.EVALUATION).toBe('processed/initial_test.csv');
    expect(task('healthpredict_deployment', 'build').rendered.configured.env?.MODEL_URI).toBe(CONF.model_uri);
  });
});

describe('the invocation check catches', () => {
  // A manifest of its own, so that these cases do not move with the CLI's commands.
  const flag = (name: string, more: Partial<ManifestFlag> = {}): ManifestFlag => ({
    name,
    type: 'option',
    ...more,
  });
  const small: Manifest = {
    commands: {
      monitor: {
        id: 'monitor',
        args: {},
        flags: {
          json: flag('json', { type: 'boolean' }),
          batch: flag('batch', { required: true }),
          'exit-code': flag('exit-code', { type: 'boolean' }),
          stattest: flag('stattest', { options: ['ks', 'z'] }),
        },
      },
      'infra:up': { id: 'infra:up', args: {}, flags: { json: flag('json', { type: 'boolean' }) } },
      push: {
        id: 'push',
        args: { image: { name: 'image', required: true } },
        flags: { json: flag('json', { type: 'boolean' }) },
      },
    },
  };
  const problems = (script: string): string[] => checkInvocations(script, small).flatMap((i) => i.problems);

  it('an unknown command or flag, and a topic command', () => {
    expect(problems('healthpredict monitr --json')).toEqual(['no command "monitr"']);
    expect(problems('healthpredict monitor --batch 1 --exit-cod --json')).toEqual([
      'monitor: no flag --exit-cod',
    ]);
    expect(problems('healthpredict infra up --json')).toEqual([]);
    expect(problems('healthpredict infra down --json')).toEqual(['no command "infra down"']);
  });

  it('a missing value, a value for a boolean, an option not offered, a missing required flag or argument', () => {
    expect(problems('healthpredict monitor --batch --json')).toEqual(['monitor: --batch needs a value']);
    expect(problems('healthpredict monitor --batch 1 --exit-code=yes --json')).toEqual([
      'monitor: --exit-code takes no value',
    ]);
    expect(problems('healthpredict monitor --batch 1 --stattest chi --json')).toEqual([
      'monitor: --stattest chi is not one of ks|z',
    ]);
    expect(problems('healthpredict monitor --batch 1 --stattest "$TEST" --json')).toEqual([]);
    expect(problems('healthpredict monitor --json')).toEqual(['monitor: --batch is required']);
    expect(problems('healthpredict push --json')).toEqual(['push: 1 arguments required']);
    expect(problems('healthpredict push a b --json')).toEqual(['push: unexpected arguments a b']);
  });

  it('a missing --json, wherever the CLI stands in the script, redirections aside', () => {
    expect(problems('set -e; healthpredict monitor --batch 1 > out.json 2>&1 | cat')).toEqual([
      'monitor: no --json',
    ]);
    expect(problems('healthpredict monitor --batch 1 --json >out.json && exit 20')).toEqual([]);
    expect(problems('echo healthpredict monitor')).toEqual([]);
  });
});

/**
 * Runs a task's command with bash in a directory of its own, `healthpredict` on PATH being a script that prints
 * `result` and exits.
 */
async function runWithFakeCli(
  command: string,
  fake: { exit?: number; result: unknown; env?: Record<string, string> },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const bin = await mkdtemp(join(work, 'bin-'));
  await writeFile(
    join(bin, 'healthpredict'),
    `#!${process.execPath}\nprocess.stdout.write(${JSON.stringify(JSON.stringify(fake.result, null, 2))} + '\\n');\nprocess.exit(${fake.exit ?? 0});\n`,
  );
  await chmod(join(bin, 'healthpredict'), 0o755);
  // Airflow runs a BashOperator's command in a temporary directory of its own.
  const result = spawnSync('bash', ['-c', command], {
    cwd: bin,
    env: { ...process.env, ...fake.env, PATH: `${bin}:${process.env.PATH}` },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
