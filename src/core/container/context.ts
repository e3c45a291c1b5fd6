import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';

import { EXIT_CODES, UserError } from '../errors/index.js';
import { REGISTERED_MODEL_META_FILE, registeredModelMetaText } from '../serving/model-loader.js';
import { debugFor } from '../util/log.js';
import type { ModelBundle } from './model-files.js';
import { templatesDir } from './project.js';

const log = debugFor('container');

export const DEFAULT_BASE_IMAGE = 'healthpredict/node-base:20';

/** The uid and gid the server runs as in the image and in the Deployment (`runAsNonRoot` needs a number). */
export const IMAGE_USER = 10001;
export const IMAGE_PORT = 8000;

export interface BuildContextOptions {
  /** An empty or missing directory to write the context into. */
  outDir: string;
  /** The CLI's package root: package.json, package-lock.json, bin/, dist/ and node_modules/. */
  projectRoot: string;
  model: ModelBundle;
  baseImage: string;
  sourceCommit: string;
  /** The creation time in the labels; fixed in tests so that the Dockerfile is reproducible. */
  created: Date;
}

export interface BuildContextResult {
  dir: string;
  /** The image labels (OCI annotations and healthpredict's own), as the Dockerfile sets them. */
  labels: Record<string, string>;
  files: number;
  bytes: number;
  /** Production packages copied into app/node_modules. */
  packages: number;
}

/**
 * Writes a Docker build context: the Dockerfile from `templates/docker/` with its ARG defaults filled in, the
 * built CLI under `app/` (bin/, dist/, package.json and the production dependencies, pruned of what never
 * runs), and the model artifact of one version under `model/` with its registered name and version.
 */
export async function writeBuildContext(options: BuildContextOptions): Promise<BuildContextResult> {
  const { outDir, projectRoot, model } = options;
  await requireEmpty(outDir);
  requireBuiltCli(projectRoot);
  const counter = { files: 0, bytes: 0 };
  const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as PackageJson;

  const app = join(outDir, 'app');
  await copyTree(join(projectRoot, 'bin', 'run.js'), join(app, 'bin', 'run.js'), counter);
  await copyTree(join(projectRoot, 'dist'), join(app, 'dist'), counter);
  await writeCounted(join(app, 'package.json'), JSON.stringify(runtimePackageJson(pkg), null, 2), counter);
  if (await manifestIsComplete(projectRoot)) {
    await copyTree(join(projectRoot, 'oclif.manifest.json'), join(app, 'oclif.manifest.json'), counter);
  }
  const packages = await productionPackages(projectRoot);
  for (const path of packages) {
    await copyTree(join(projectRoot, path), join(app, path), counter, { prune: true, nested: false }, path);
  }

  // The server reads the name and version from this file, as MLflow leaves it beside a downloaded version.
  const files = new Map(model.files);
  files.set(REGISTERED_MODEL_META_FILE, Buffer.from(registeredModelMetaText(model.name, model.version)));
  for (const [name, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    await writeCounted(join(outDir, 'model', name), content, counter);
  }

  const values = buildArgs(options, pkg.version);
  const template = await readFile(join(templatesDir(projectRoot), 'docker', 'Dockerfile'), 'utf8');
  await writeCounted(join(outDir, 'Dockerfile'), renderDockerfile(template, values), counter);
  await copyFile(join(templatesDir(projectRoot), 'docker', '.dockerignore'), join(outDir, '.dockerignore'));
  log('context %s: %d files, %d bytes, %d packages', outDir, counter.files, counter.bytes, packages.length);
  return { dir: outDir, labels: imageLabels(values), ...counter, packages: packages.length };
}

interface PackageJson {
  name: string;
  version: string;
  type?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  oclif?: Record<string, unknown>;
  dependencies?: Record<string, string>;
}

/** What Node and oclif read at run time; scripts and dev dependencies stay out of the image. */
function runtimePackageJson(pkg: PackageJson): PackageJson {
  const { name, version, type, bin, engines, oclif, dependencies } = pkg;
  return { name, version, type, bin, engines, oclif, dependencies };
}

function buildArgs(options: BuildContextOptions, cliVersion: string): Record<string, string> {
  return {
    BASE_IMAGE: options.baseImage,
    MODEL_NAME: options.model.name,
    MODEL_VERSION: options.model.version,
    MODEL_RUN_ID: options.model.runId,
    SOURCE_COMMIT: options.sourceCommit,
    CREATED: options.created.toISOString(),
    CLI_VERSION: cliVersion,
  };
}

/** Gives each `ARG NAME[=default]` of the template the value of `NAME`, quoted as Docker reads it. */
export function renderDockerfile(template: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const text = template.replace(/^ARG ([A-Z_]+)(=.*)?$/gm, (line, name: string) => {
    if (!(name in values)) return line;
    if (/["\\\n$]/.test(values[name])) {
      throw new UserError(
        `the build argument ${name} holds a quote, backslash, dollar or line break: ${values[name]}`,
        'use plain names for the base image and the model',
      );
    }
    used.add(name);
    return `ARG ${name}="${values[name]}"`;
  });
  const missing = Object.keys(values).filter((name) => !used.has(name));
  if (missing.length > 0) throw new Error(`the Dockerfile template has no ARG ${missing.join(', ')}`);
  return text;
}

/** The labels the Dockerfile's LABEL instruction sets from the build arguments. */
export function imageLabels(values: Record<string, string>): Record<string, string> {
  return {
    'org.opencontainers.image.title': 'healthpredict',
    'org.opencontainers.image.version': values.MODEL_VERSION,
    'org.opencontainers.image.revision': values.SOURCE_COMMIT,
    'org.opencontainers.image.created': values.CREATED,
    'org.opencontainers.image.base.name': values.BASE_IMAGE,
    'io.healthpredict.model.name': values.MODEL_NAME,
    'io.healthpredict.model.version': values.MODEL_VERSION,
    'io.healthpredict.model.run-id': values.MODEL_RUN_ID,
    'io.healthpredict.cli.version': values.CLI_VERSION,
  };
}

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
}

/**
 * The installed production packages, as `node_modules/...` paths from package-lock.json: every entry npm
 * did not mark `dev`, that is on disk (optional ones for other platforms are not). Copying them keeps npm's
 * own layout, with no install and no network.
 */
export async function productionPackages(root: string): Promise<string[]> {
  const lockPath = join(root, 'package-lock.json');
  if (!existsSync(lockPath)) {
    throw new UserError(
      `${lockPath} is missing, so the production dependencies are unknown`,
      'run `npm ci` in the package first',
      EXIT_CODES.badInput,
    );
  }
  const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { packages?: Record<string, LockEntry> };
  const paths: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.dev || entry.link || !path.startsWith('node_modules/')) continue;
    if (existsSync(join(root, path, 'package.json'))) paths.push(path);
    else if (!entry.optional) {
      throw new UserError(
        `the production dependency ${path} is not installed`,
        'run `npm ci` in the package first',
        EXIT_CODES.badInput,
      );
    }
  }
  return paths.sort();
}

/**
 * Files no production process reads: type declarations, source maps, docs, C sources of native addons
 * already built, and prebuilt binaries for other runtimes (Bare) or other platforms (koffi ships one per
 * platform; the image is linux on this machine's architecture).
 */
const PRUNED_FILE =
  /(\.d\.[cm]?ts|\.map|\.md|\.markdown|\.ts|\.tsx|\.cc|\.cpp|\.c|\.h|\.hpp|\.gyp|\.gypi|\.bare)$/i;
const KEPT_FILE = /^(license|licence|notice|copying)/i;

export function isPruned(relativePath: string): boolean {
  const name = basename(relativePath);
  if (KEPT_FILE.test(name)) return false;
  if (PRUNED_FILE.test(name)) return true;
  const koffi = /(?:^|\/)koffi\/build\/koffi\/([^/]+)\//.exec(relativePath.split(sep).join('/'));
  return koffi !== null && koffi[1] !== `linux_${process.arch}`;
}

interface CopyOptions {
  prune?: boolean;
  /** Descend into nested node_modules/ (false for packages: each nested package is its own lock entry). */
  nested?: boolean;
}

async function copyTree(
  from: string,
  to: string,
  counter: { files: number; bytes: number },
  options: CopyOptions = {},
  relativePath = '',
): Promise<void> {
  const info = await stat(from);
  if (info.isDirectory()) {
    for (const entry of await readdir(from, { withFileTypes: true })) {
      if (entry.name === 'node_modules' && options.nested === false) continue;
      const child = relativePath ? `${relativePath}/${entry.name}` : entry.name;
      await copyTree(join(from, entry.name), join(to, entry.name), counter, options, child);
    }
    return;
  }
  if (!info.isFile() || (options.prune && isPruned(relativePath))) return;
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
  counter.files += 1;
  counter.bytes += info.size;
}

async function writeCounted(
  path: string,
  content: string | Buffer,
  counter: { files: number; bytes: number },
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  counter.files += 1;
  counter.bytes += Buffer.byteLength(content);
}

async function requireEmpty(dir: string): Promise<void> {
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new UserError(
      `the context directory ${dir} is not empty`,
      'give a new or empty directory to --context-out',
      EXIT_CODES.usage,
    );
  }
  await mkdir(dir, { recursive: true });
}

function requireBuiltCli(root: string): void {
  for (const file of ['bin/run.js', 'dist/commands/serve.js']) {
    if (!existsSync(join(root, file))) {
      throw new UserError(
        `${join(root, file)} is missing, so there is no built CLI to put in the image`,
        'run `npm run build` in the package first',
        EXIT_CODES.badInput,
      );
    }
  }
}

/**
 * oclif finds commands through oclif.manifest.json when there is one, so a manifest older than a command
 * would hide it; it is copied only when it names every built command.
 */
async function manifestIsComplete(root: string): Promise<boolean> {
  const path = join(root, 'oclif.manifest.json');
  if (!existsSync(path)) return false;
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { commands?: Record<string, unknown> };
  const built = await readdir(join(root, 'dist', 'commands'), { recursive: true });
  const ids = built
    .filter((file) => file.endsWith('.js'))
    .map((file) => file.replace(/\.js$/, '').split(sep).join(':'));
  return ids.every((id) => manifest.commands?.[id] !== undefined);
}
