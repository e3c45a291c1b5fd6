import { existsSync } from 'node:fs';
import { chmod, readFile, readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

import { parseDocument } from 'yaml';

import type { Config } from '../config/index.js';
import { sourceCommit } from '../container/project.js';
import { EXIT_CODES, UserError } from '../errors/index.js';
import { writeFileAtomic } from '../util/files.js';
import { PACKAGE_ROOT } from './paths.js';

export interface InitOptions {
  /** The operator's directory; created when missing. */
  dir: string;
  /** The resolved configuration whose stack values fill the templates. */
  config: Pick<Config, 'store' | 'registry' | 'awsRegion'>;
  /** Replace files that already exist. */
  force?: boolean;
  /** The templates' root (default: the package's `templates/`). */
  templatesDir?: string;
}

export interface InitResult {
  dir: string;
  /** Files written, relative to `dir`. */
  files: string[];
  /** Values filled in from the configuration, by variable name. */
  filled: Record<string, string>;
  /** Values of `.env.example` still to fill in by hand (the passwords among them). */
  unfilled: string[];
}

/** Template file (relative to `templates/`) and where it goes in the operator's directory. */
interface TemplateFile {
  from: string;
  to: string;
  mode?: number;
}

const LAYOUT: TemplateFile[] = [
  { from: 'compose/docker-compose.yml', to: 'docker-compose.yml' },
  { from: 'compose/.env.example', to: '.env.example' },
  { from: 'compose/airflow.Dockerfile', to: 'airflow.Dockerfile' },
  { from: 'compose/mlflow.Dockerfile', to: 'mlflow.Dockerfile' },
  { from: 'compose/postgres/init-databases.sh', to: 'postgres/init-databases.sh', mode: 0o755 },
  { from: 'github/workflows/healthpredict-deploy.yml', to: '.github/workflows/healthpredict-deploy.yml' },
];

const WORKFLOW = '.github/workflows/healthpredict-deploy.yml';

/**
 * Writes the Compose stack, the Airflow DAGs and the GitHub workflow into `dir`, with the stack's store,
 * registry and region (what `infra up` saved into the configuration) filled into `.env.example` and the
 * workflow. Refuses to replace an existing file without `force`, before writing anything.
 */
export async function writeTemplates(options: InitOptions): Promise<InitResult> {
  const templates = options.templatesDir ?? join(PACKAGE_ROOT, 'templates');
  const dir = resolve(options.dir);
  const dags = (await readdir(join(templates, 'airflow/dags'))).filter((name) => name.endsWith('.py')).sort();
  const layout: TemplateFile[] = [
    ...LAYOUT,
    ...dags.map((name) => ({ from: `airflow/dags/${name}`, to: `dags/${name}` })),
  ];

  const existing = layout.filter((file) => existsSync(join(dir, file.to)));
  if (existing.length > 0 && !options.force) {
    throw new UserError(
      `${join(dir, existing[0].to)} already exists (and ${existing.length - 1} more of the templates' files)`,
      'choose an empty directory, or rerun with --force to replace them',
      EXIT_CODES.usage,
    );
  }

  const filled = await stackValues(options.config);
  const contents = new Map<string, string>();
  for (const file of layout) contents.set(file.to, await readFile(join(templates, file.from), 'utf8'));
  contents.set('.env.example', fillEnv(contents.get('.env.example') ?? '', filled));
  contents.set(WORKFLOW, fillWorkflowEnv(contents.get(WORKFLOW) ?? '', filled));

  for (const file of layout) {
    const path = join(dir, file.to);
    await writeFileAtomic(path, contents.get(file.to) ?? '');
    if (file.mode) await chmod(path, file.mode);
  }
  return {
    dir,
    files: layout.map((file) => relative(dir, join(dir, file.to))),
    filled,
    unfilled: emptyEnvValues(contents.get('.env.example') ?? ''),
  };
}

/** The `.env` values the configuration knows: the S3 store and its bucket, the registry, the region, the CLI. */
async function stackValues(config: InitOptions['config']): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  const bucket = /^s3:\/\/([^/]+)/i.exec(config.store)?.[1];
  if (bucket) {
    values.HEALTHPREDICT_STORE = config.store;
    values.MLFLOW_ARTIFACTS_DESTINATION = `s3://${bucket}/mlflow`;
  }
  if (config.registry) values.HEALTHPREDICT_REGISTRY = config.registry;
  if (config.awsRegion) values.AWS_REGION = config.awsRegion;

  const { version } = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  values.HEALTHPREDICT_PACKAGE = `healthpredict-${version}.tgz`;
  const commit = await sourceCommit(PACKAGE_ROOT).catch(() => undefined);
  if (commit) values.HEALTHPREDICT_SOURCE_COMMIT = commit;
  return values;
}

/** Sets `KEY=value` lines of an env file; other lines, comments included, stay as they are. */
export function fillEnv(text: string, values: Record<string, string>): string {
  return text
    .split('\n')
    .map((line) => {
      const key = /^([A-Z0-9_]+)=/.exec(line)?.[1];
      return key !== undefined && values[key] !== undefined ? `${key}=${values[key]}` : line;
    })
    .join('\n');
}

/** The keys of an env file whose value is empty. */
export function emptyEnvValues(text: string): string[] {
  return text.split('\n').flatMap((line) => /^([A-Z0-9_]+)=\s*$/.exec(line)?.[1] ?? []);
}

/** Replaces the workflow's top-level `env` entries that the configuration knows, keeping its comments. */
function fillWorkflowEnv(text: string, values: Record<string, string>): string {
  const document = parseDocument(text);
  for (const key of ['AWS_REGION', 'HEALTHPREDICT_REGISTRY', 'HEALTHPREDICT_STORE']) {
    if (values[key] !== undefined && document.hasIn(['env', key])) document.setIn(['env', key], values[key]);
  }
  return String(document);
}
