import type { ModelRegistry } from '../registry/types.js';
import type { ObjectStore } from '../storage/index.js';
import type { ServedModel } from './manifests.js';

/** JSON Lines in the object store, one entry per verified deployment, oldest first. */
export const PROMOTION_LOG_KEY = 'registry/promotions.jsonl';

/** The version tags a verified deployment sets (and `deployed=false` on the version it replaced). */
export const DEPLOYED_TAGS = {
  deployed: 'deployed',
  at: 'deployed_at',
  image: 'deployed_image',
  target: 'deployed_target',
} as const;

export interface DeploymentRecord {
  event: 'deployed';
  at: string;
  model: ServedModel;
  image: string;
  digest?: string;
  context: string;
  namespace: string;
  deployment: string;
  revision?: string;
  replicas: number;
  /** The version the Deployment served before, when it was one of ours. */
  previous?: { version?: string; image?: string };
}

/**
 * Records a verified deployment: tags on the deployed version (`deployed=true`, when, which image, where), and
 * `deployed=false` on the version it replaced, then one line in the promotion log. Only called once the
 * Service answered the expected version.
 */
export async function recordDeployment(
  registry: ModelRegistry,
  store: ObjectStore,
  record: DeploymentRecord,
): Promise<{ tags: Record<string, string>; log: string }> {
  const { name, version } = record.model;
  const tags = {
    [DEPLOYED_TAGS.deployed]: 'true',
    [DEPLOYED_TAGS.at]: record.at,
    [DEPLOYED_TAGS.image]: record.image,
    [DEPLOYED_TAGS.target]: `${record.context}/${record.namespace}/${record.deployment}`,
  };
  for (const [key, value] of Object.entries(tags)) await registry.setVersionTag(name, version, key, value);
  const previous = record.previous?.version;
  if (previous && previous !== version && (await registry.getModelVersion(name, previous))) {
    await registry.setVersionTag(name, previous, DEPLOYED_TAGS.deployed, 'false');
  }

  const existing = (await store.exists(PROMOTION_LOG_KEY))
    ? (await store.read(PROMOTION_LOG_KEY)).toString('utf8')
    : '';
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  await store.write(PROMOTION_LOG_KEY, `${existing}${separator}${JSON.stringify(record)}\n`);
  return { tags, log: PROMOTION_LOG_KEY };
}

/** The promotion log's entries, oldest first; none when there is no log yet. */
export async function readPromotionLog(store: ObjectStore): Promise<DeploymentRecord[]> {
  if (!(await store.exists(PROMOTION_LOG_KEY))) return [];
  return (await store.read(PROMOTION_LOG_KEY))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DeploymentRecord);
}
