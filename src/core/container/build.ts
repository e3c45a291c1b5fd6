import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { pack } from 'tar-fs';

import { ExternalError } from '../errors/index.js';
import { debugFor } from '../util/log.js';
import { DEFAULT_BASE_IMAGE, writeBuildContext, type BuildContextResult } from './context.js';
import { connectEngine, followEngineStream, type Engine } from './engine.js';
import { formatImageRef, parseImageRef, repositoryOf, targetRepository, versionTag } from './image-ref.js';
import { loadModelBundle, type ModelBundleStores } from './model-files.js';
import { projectRoot, sourceCommit } from './project.js';
import { pushImage, type PushOptions, type PushResult } from './push.js';

const log = debugFor('build');

export interface BuildOptions {
  stores: ModelBundleStores;
  /** `models:/NAME/VERSION` or `models:/NAME@ALIAS`. */
  modelUri: string;
  /** The image registry and repository to tag into (`host[:port]/repository`); empty: `healthpredict`. */
  registry: string;
  baseImage?: string;
  /** Tags besides `<model-version>-<git-sha7>`. */
  extraTags?: string[];
  sourceCommit?: string;
  /** Write the context to this directory and stop: no engine is needed. */
  contextOut?: string;
  dockerHost?: string;
  /** Push after the build (`build --push`), with these settings. */
  push?: Pick<PushOptions, 'createRepository' | 'awsRegion' | 'ecr' | 'credentials'>;
  /** The CLI package to put in the image; default the running one. */
  projectRoot?: string;
  /** Each line of the engine's log (stderr in the command). */
  onLog?: (line: string) => void;
  created?: Date;
}

export interface BuildResult {
  model: { name: string; version: string; runId: string };
  sourceCommit: string;
  baseImage: string;
  /** The first tag, `repository:<model-version>-<git-sha7>`. */
  reference: string;
  repository: string;
  tags: string[];
  labels: Record<string, string>;
  context: { dir?: string; files: number; bytes: number; packages: number };
  /** False with `--context-out`: nothing was built. */
  built: boolean;
  imageId?: string;
  sizeBytes?: number;
  /** Set after a push: the digest the registry answered, and the pinned reference. */
  digest?: string;
  pushed?: PushResult;
}

/**
 * Builds the serving image of one registered model version: a build context from `templates/docker/` with the
 * built CLI and the version's artifact, built through the Docker Engine API with its log streamed, tagged
 * `<model-version>-<git-sha7>` and any extra tags, and pushed on request.
 */
export async function buildImage(options: BuildOptions): Promise<BuildResult> {
  const root = options.projectRoot ?? projectRoot();
  const model = await loadModelBundle(options.modelUri, options.stores);
  const commit = await sourceCommit(root, options.sourceCommit);
  const repositoryRef = targetRepository(options.registry);
  const repository = repositoryOf(repositoryRef);
  const tags = [versionTag(model.version, commit), ...(options.extraTags ?? [])];
  for (const tag of tags) parseImageRef(`${repository}:${tag}`);
  const baseImage = options.baseImage || DEFAULT_BASE_IMAGE;
  const summary = {
    model: { name: model.name, version: model.version, runId: model.runId },
    sourceCommit: commit,
    baseImage,
    reference: `${repository}:${tags[0]}`,
    repository,
    tags: tags.map((tag) => `${repository}:${tag}`),
  };
  const contextOptions = {
    projectRoot: root,
    model,
    baseImage,
    sourceCommit: commit,
    created: options.created ?? new Date(),
  };

  if (options.contextOut) {
    const context = await writeBuildContext({ ...contextOptions, outDir: resolve(options.contextOut) });
    return { ...summary, labels: context.labels, context: contextSummary(context, true), built: false };
  }

  const engine = await connectEngine(options.dockerHost);
  const dir = await mkdtemp(join(tmpdir(), 'healthpredict-context-'));
  try {
    const context = await writeBuildContext({ ...contextOptions, outDir: dir });
    const imageId = await runBuild(engine, dir, summary.reference, options.onLog);
    for (const tag of tags.slice(1)) await engine.docker.getImage(imageId).tag({ repo: repository, tag });
    const inspected = await engine.docker.getImage(imageId).inspect();
    const result: BuildResult = {
      ...summary,
      labels: context.labels,
      context: contextSummary(context, false),
      built: true,
      imageId,
      sizeBytes: inspected.Size,
    };
    if (!options.push) return result;
    const pushed = await pushImage({
      ...options.push,
      engine,
      image: summary.reference,
      registry: options.registry,
      tags,
      onLog: options.onLog,
    });
    return { ...result, digest: pushed.digest, pushed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function contextSummary(context: BuildContextResult, kept: boolean): BuildResult['context'] {
  return {
    dir: kept ? context.dir : undefined,
    files: context.files,
    bytes: context.bytes,
    packages: context.packages,
  };
}

/**
 * Sends the context as a tar stream (every entry owned by root and readable by all, so that the non-root user
 * can read what root owns) and follows the build log.
 */
async function runBuild(
  engine: Engine,
  dir: string,
  reference: string,
  onLog?: (line: string) => void,
): Promise<string> {
  const tar = pack(dir, {
    map: (header) => {
      const executable = header.type === 'directory' || ((header.mode ?? 0) & 0o111) !== 0;
      return { ...header, uid: 0, gid: 0, uname: 'root', gname: 'root', mode: executable ? 0o755 : 0o644 };
    },
  });
  // tar-fs streams are streamx streams, which pipe into the request as a Node stream would.
  const stream = await engine.docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
    t: reference,
    rm: true,
    forcerm: true,
  });
  const events = await followEngineStream(stream, engine.docker, `building ${reference}`, (event) => {
    const line = event.stream?.replace(/\n+$/, '');
    if (line) onLog?.(line);
  });
  const id = events.find((event) => event.aux?.ID)?.aux?.ID;
  if (!id) throw new ExternalError('docker', `the build of ${reference} answered no image id`);
  log('built %s as %s', formatImageRef(parseImageRef(reference)), id);
  return id;
}
