import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { checkInvocations } from './cli-invocations.js';
import { infraSection } from './infra-docs.js';
import { loadManifest, type Manifest } from './manifest.js';

const root = resolve(import.meta.dirname, '../..');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}

const readWorkflow = (path: string): Workflow => parse(readFileSync(resolve(root, path), 'utf8')) as Workflow;
const runs = (workflow: Workflow): string[] =>
  Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ? [step.run] : [])));

let manifest: Manifest;
beforeAll(() => {
  manifest = loadManifest();
});

describe('.github/workflows/ci.yml', () => {
  const ci = readWorkflow('.github/workflows/ci.yml');

  it('runs on pushes and pull requests', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(Object.keys(ci.jobs)).toEqual(['test']);
  });

  it("installs and starts what .ci/run does, then runs npm ci, npm run build and the README's test command", () => {
    const steps = ci.jobs.test.steps;
    const system = steps.findIndex((step) => step.run?.includes('scripts/install-system-packages.sh'));
    expect(system).toBeGreaterThanOrEqual(0);
    const script = steps[system].run ?? '';
    // The same base packages as .ci/run, every part's setup file, and its services.
    const ciRun = readFileSync(resolve(root, '.ci/run'), 'utf8');
    const basePackages = (text: string): string | undefined => /^\s*packages=\(([^)]*)\)/m.exec(text)?.[1];
    expect(basePackages(script)).toBe(basePackages(ciRun));
    expect(script).toContain('for setup in .ci/setup.d/*.sh; do source "$setup"; done');
    expect(script).toContain('scripts/install-system-packages.sh "${packages[@]}"');
    expect(script).toMatch(/grep "\^start_"/);
    // That script is the README's install step, and it installs XGBoost's library with apt-get.
    const installer = readFileSync(resolve(root, 'scripts/install-system-packages.sh'), 'utf8');
    expect(installer).toMatch(/^packages=\(libxgboost-dev /m);
    expect(installer).toContain('apt-get install -y');

    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    // The README's test command is the one code block after "Run the tests".
    const testCommand = /Run the tests:\n\n```sh\n(.+)\n```/.exec(readme)?.[1];
    expect(testCommand).toBe('npm test');
    const order = ['npm ci', 'npm run build', testCommand].map((command) =>
      steps.findIndex((step) => step.run === command),
    );
    expect(order.every((index) => index > system)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('installs the packages the infrastructure checks need through its setup file', () => {
    const setup = readFileSync(resolve(root, '.ci/setup.d/infra.sh'), 'utf8');
    const added = [...setup.matchAll(/^packages\+=\(([^)]*)\)/gm)].flatMap((m) => m[1].split(/\s+/));
    expect(added.sort()).toEqual(['docker-compose', 'python3-jinja2']);
  });
});

describe('templates/github/workflows/healthpredict-deploy.yml', () => {
  const deploy = readWorkflow('templates/github/workflows/healthpredict-deploy.yml');

  it('runs on a new champion or by hand, with an OIDC token and read-only contents', () => {
    expect(deploy.on.repository_dispatch.types).toEqual(['healthpredict-champion']);
    expect(deploy.on).toHaveProperty('workflow_dispatch');
    expect(deploy.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
  });

  it('takes AWS credentials from the OIDC role before building, pushing and deploying', () => {
    const steps = Object.values(deploy.jobs)[0].steps;
    const login = steps.findIndex((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(login).toBeGreaterThanOrEqual(0);
    expect(steps[login].with?.['role-to-assume']).toBe('${{ vars.AWS_ROLE_ARN }}');
    expect(JSON.stringify(deploy)).not.toMatch(/AWS_SECRET_ACCESS_KEY|aws-secret-access-key/);

    const invocations = steps.flatMap((step, index) =>
      step.run ? checkInvocations(step.run, manifest).map((found) => ({ ...found, index })) : [],
    );
    expect(invocations.map((found) => found.command)).toEqual(['build', 'deploy']);
    expect(invocations.every((found) => found.index > login)).toBe(true);
    expect(invocations[0].flags).toContain('push');
    expect(invocations[1].flags).toEqual(expect.arrayContaining(['image', 'model-uri']));
  });

  it('calls only commands and flags that exist', () => {
    const problems = runs(deploy).flatMap((script) =>
      checkInvocations(script, manifest).flatMap((i) => i.problems),
    );
    expect(problems).toEqual([]);
  });
});

describe("the README's infrastructure section", () => {
  const { text } = infraSection();

  it('says how to stand the stack up, run the DAGs, and tear everything down', () => {
    const headings = [...text.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(
      expect.arrayContaining(['Stand the stack up', 'Run the DAGs', 'Tear everything down']),
    );
    const teardown = text.slice(text.indexOf('### Tear everything down'));
    expect(teardown).toContain('healthpredict infra down');
    for (const billed of ['instance', 'bucket', 'images']) expect(teardown).toContain(billed);
  });

  it('shows only commands and flags that exist', () => {
    const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
    const found = blocks.flatMap((block) => checkInvocations(block, manifest));
    expect(found.map((i) => i.command)).toEqual(expect.arrayContaining(['infra:up', 'init', 'infra:down']));
    // A command typed by an operator needs no --json.
    const problems = found.flatMap((i) => i.problems.filter((p) => !p.endsWith('no --json')));
    expect(problems).toEqual([]);
  });
});
