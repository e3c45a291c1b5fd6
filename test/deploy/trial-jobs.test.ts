import { join } from 'node:path';

import { Job } from 'kubernetes-models/batch/v1/Job';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { trialJob, trialWeightsPath } from '../../src/core/deploy/trial-jobs.js';
import { EXIT_CODES } from '../../src/core/errors/index.js';
import { rocAuc } from '../../src/core/evaluation/index.js';
import { readArtifact } from '../../src/core/models/artifact.js';
import { scoreTable } from '../../src/core/models/scorer.js';
import { readCsvFromStore } from '../../src/core/data/read.js';
import { LocalStore } from '../../src/core/storage/local-store.js';
import { openTracking } from '../../src/core/tracking/index.js';
import {
  collect,
  expectJsonError,
  expectNothingHalfWritten,
  makeWorkdir,
  REAL_DATA,
  removeWorkdir,
  requireBuild,
  runCli,
  runStatuses,
  RUN_STATUS,
  spawnCli,
} from '../cli/helpers.js';
import { FakeKubeApiServer, type KubeObject } from './fake-kube-api.js';
import { unknownFields } from './helpers.js';

const IMAGE = '127.0.0.1:5000/healthpredict:1-abcdef0';

let workdir: string;

beforeAll(async () => {
  requireBuild();
  workdir = await makeWorkdir('trial-jobs');
  const split = await runCli(['split', '--data', REAL_DATA], { cwd: workdir });
  expect(split.code, split.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await removeWorkdir(workdir);
});

/** Plays the kubelet: runs the Job's container command with this machine's CLI, in its environment. */
async function runJobHere(job: KubeObject): Promise<{ succeeded: boolean; log: string }> {
  const container = job.spec.template.spec.containers[0];
  const env = Object.fromEntries(
    (container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]),
  );
  const result = await collect(spawnCli(container.args, { cwd: workdir, env }));
  return { succeeded: result.code === 0, log: `${result.stdout}${result.stderr}` };
}

async function withFake<T>(fake: FakeKubeApiServer, work: (kubeconfig: string) => Promise<T>): Promise<T> {
  await fake.start();
  const kubeconfig = join(workdir, `kubeconfig-${Date.now()}.json`);
  await fake.writeKubeconfig(kubeconfig, 'training');
  try {
    return await work(kubeconfig);
  } finally {
    await fake.stop();
  }
}

function jobsCreated(fake: FakeKubeApiServer): KubeObject[] {
  return fake.requests
    .filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'))
    .map((r) => r.body as KubeObject);
}

describe('train --hpo --executor kubernetes, against a test double of the Kubernetes API server', () => {
  it('runs every trial step as a Job of the image, and collects the results from the tracking store', async () => {
    const fake = new FakeKubeApiServer({ runJob: runJobHere });
    const result = await withFake(fake, (kubeconfig) =>
      runCli(
        [
          'train',
          '--hpo',
          '--family',
          'logistic',
          '--trials',
          '3',
          '--executor',
          'kubernetes',
          '--image',
          IMAGE,
          '--json',
        ],
        { cwd: workdir, env: { KUBECONFIG: kubeconfig, HEALTHPREDICT_NAMESPACE: 'training' } },
      ),
    );

    expect(result.code, result.stderr).toBe(0);
    const trained = JSON.parse(result.stdout);
    const [family] = trained.families;
    expect(family.trials).toHaveLength(3);

    // One Job per step of a trial: a trial that reached rung k made k + 1 of them.
    const jobs = jobsCreated(fake);
    const steps = family.trials.reduce((sum: number, t: { rung: number }) => sum + t.rung + 1, 0);
    expect(jobs).toHaveLength(steps);
    for (const job of jobs) {
      const container = job.spec.template.spec.containers[0];
      expect(job.metadata?.namespace).toBe('training');
      expect(container.image).toBe(IMAGE);
      expect(container.args.slice(0, 2)).toEqual(['train', '--trial-of']);
      expect(family.trials.map((t: { runId: string }) => t.runId)).toContain(container.args[2]);
      expect(() => new Job(job as never).validate()).not.toThrow();
      expect(unknownFields(job, 'V1Job')).toEqual([]);
    }

    // Each Job wrote its weights into its trial's run, and every run ended FINISHED.
    const { tracking } = openTracking(join(workdir, 'mlruns'));
    for (const trial of family.trials as { runId: string; resource: number }[]) {
      const files = await tracking.listArtifacts(trial.runId, 'trial');
      expect(files).toContain(trialWeightsPath(trial.resource));
    }
    const statuses = await runStatuses(workdir);
    expect([...statuses.values()].every((status) => status === RUN_STATUS.FINISHED)).toBe(true);

    // The best run's model, scored here on validation, gives the AUC the search reported for it.
    const artifact = await readArtifact(
      (name) => tracking.readArtifact(family.bestRunId, `model/${name}`),
      family.bestRunId,
    );
    // Training leaves out expired and hospice dispositions (DESIGN section 4), so the check does too.
    const stored = await readCsvFromStore(
      new LocalStore(join(workdir, '.healthpredict/store')),
      'processed/initial_validation.csv',
    );
    const disposition = stored.columns.indexOf('discharge_disposition_id');
    const excluded = new Set(['11', '13', '14', '19', '20', '21']);
    const validation = { ...stored, rows: stored.rows.filter((row) => !excluded.has(row[disposition])) };
    const target = validation.columns.indexOf('target');
    const labels = Uint8Array.from(validation.rows.map((row) => Number(row[target])));
    expect(rocAuc(labels, scoreTable(artifact, validation))).toBeCloseTo(family.valRocAuc, 12);
  }, 300_000);

  it(`fails with the Job's log and exit ${EXIT_CODES.external} when a trial Job fails, leaving no run RUNNING`, async () => {
    const fake = new FakeKubeApiServer({
      runJob: async () => ({ succeeded: false, log: 'loading the data\nKilled: out of memory (exit 137)\n' }),
    });
    const result = await withFake(fake, (kubeconfig) =>
      runCli(
        [
          'train',
          '--hpo',
          '--family',
          'logistic',
          '--trials',
          '2',
          '--executor',
          'kubernetes',
          '--image',
          IMAGE,
          '--json',
        ],
        { cwd: workdir, env: { KUBECONFIG: kubeconfig } },
      ),
    );

    expect(result.code, result.stderr).toBe(EXIT_CODES.external);
    const { error } = JSON.parse(result.stdout) as {
      error: { kind: string; message: string; system: string };
    };
    expect(error.kind).toBe('external');
    expect(error.system).toBe('kubernetes');
    expect(error.message).toMatch(
      /^kubernetes: the trial Job default\/hp-trial-[0-9a-f]{12}-r\d+-[0-9a-f]{6} of logistic trial \d \(run [0-9a-f]{32}\) failed: BackoffLimitExceeded \(Job has reached the specified backoff limit\); see `kubectl logs -n default hp-trial-.*-pod`; its output ends: loading the data \| Killed: out of memory \(exit 137\)$/,
    );
    await expectNothingHalfWritten(workdir);
  }, 300_000);

  it('refuses --executor kubernetes without an image', async () => {
    const result = await runCli(['train', '--hpo', '--executor', 'kubernetes', '--json'], { cwd: workdir });
    const error = expectJsonError(result, EXIT_CODES.usage);
    expect(error.message).toBe('--executor kubernetes needs --image');
  });
});

describe('trialJob', () => {
  it('mounts the shared volume and passes the stores and settings the pod needs', () => {
    const job = trialJob({
      image: IMAGE,
      namespace: 'training',
      runId: '0123456789abcdef0123456789abcdef',
      resource: 27,
      family: 'xgboost',
      trial: 4,
      storeUri: '/srv/hp/store',
      trackingUri: '/srv/hp/mlruns',
      sharedVolume: { claim: 'hp-data', mountPath: '/srv/hp' },
      env: { AWS_REGION: 'eu-west-1' },
    });

    expect(() => new Job(job as never).validate()).not.toThrow();
    expect(unknownFields(job, 'V1Job')).toEqual([]);
    expect(job.metadata?.name).toMatch(/^hp-trial-0123456789ab-r27-[0-9a-f]{6}$/);
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.volumes).toContainEqual({ name: 'shared', persistentVolumeClaim: { claimName: 'hp-data' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'shared', mountPath: '/srv/hp' });
    expect(pod.containers[0].args).toEqual([
      'train',
      '--trial-of',
      '0123456789abcdef0123456789abcdef',
      '--resource',
      '27',
      '--store',
      '/srv/hp/store',
      '--tracking-uri',
      '/srv/hp/mlruns',
    ]);
    expect(pod.containers[0].env).toEqual([
      { name: 'HEALTHPREDICT_QUIET', value: '1' },
      { name: 'AWS_REGION', value: 'eu-west-1' },
    ]);
  });
});
