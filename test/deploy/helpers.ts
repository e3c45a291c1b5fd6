import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as k8s from '@kubernetes/client-node';

import { LocalStore } from '../../src/core/storage/local-store.js';
import { FileModelRegistry } from '../../src/core/registry/file-store.js';
import { FileTrackingStore } from '../../src/core/tracking/file-store.js';

export interface RegisteredFixture {
  dir: string;
  trackingDir: string;
  storeDir: string;
  tracking: FileTrackingStore;
  registry: FileModelRegistry;
  store: LocalStore;
  /** Run id of each registered version of HealthPredict, by version. */
  runIds: Record<string, string>;
}

/**
 * A working directory whose tracking store holds `versions` registered versions of HealthPredict (the last
 * one is the champion), each from its own run with a model/ artifact, as `register` leaves them. deploy reads
 * only the registry and whether the artifact exists, so the artifact holds just its MLmodel file.
 */
export async function registeredVersions(versions: number): Promise<RegisteredFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'hp-deploy-'));
  const trackingDir = join(dir, 'mlruns');
  const storeDir = join(dir, '.healthpredict', 'store');
  const tracking = new FileTrackingStore(trackingDir);
  const registry = new FileModelRegistry(trackingDir);
  const experiment = await tracking.getOrCreateExperiment('HealthPredict_Training');
  await registry.ensureRegisteredModel('HealthPredict');
  const runIds: Record<string, string> = {};
  for (let i = 1; i <= versions; i += 1) {
    const run = await tracking.createRun({ experimentId: experiment.experimentId, runName: `trial-${i}` });
    await tracking.logArtifact(run.info.runId, 'model/MLmodel', 'artifact_path: model\n');
    const version = await registry.createModelVersion({
      name: 'HealthPredict',
      source: `runs:/${run.info.runId}/model`,
      runId: run.info.runId,
    });
    runIds[version.version] = run.info.runId;
  }
  await registry.setAlias('HealthPredict', 'champion', String(versions));
  return { dir, trackingDir, storeDir, tracking, registry, store: new LocalStore(storeDir), runIds };
}

export async function removeFixture(fixture: RegisteredFixture | undefined): Promise<void> {
  if (fixture) await rm(fixture.dir, { recursive: true, force: true });
}

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

/**
 * Fields of `object` that its Kubernetes API type does not have, as paths, found by walking the attribute
 * maps @kubernetes/client-node generates from the Kubernetes OpenAPI document (kubernetes-models checks
 * types, formats and required fields, but lets unknown fields through).
 */
export function unknownFields(object: unknown, type: string, path = ''): string[] {
  if (object === null || object === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array)
    return (object as unknown[]).flatMap((item, i) => unknownFields(item, array[1], `${path}[${i}]`));
  const model = (
    k8s as unknown as Record<string, { getAttributeTypeMap?: () => { baseName: string; type: string }[] }>
  )[type];
  if (!model?.getAttributeTypeMap) return [];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(object as Record<string, unknown>).flatMap(([key, value]) => {
    const child = attributes.get(key);
    return child === undefined ? [`${path}.${key}`] : unknownFields(value, child, `${path}.${key}`);
  });
}
