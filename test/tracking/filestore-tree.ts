import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/** The store MLflow 2.11.3 wrote itself; the reference for the layout. */
export const FIXTURE_ROOT = fileURLToPath(
  new URL('../../../shared/fixtures/mlflow-2.11.3-filestore/mlruns', import.meta.url),
);
/** The absolute folder the fixture was written in, as its URIs show it. */
export const FIXTURE_ROOT_URI = 'file:///srv/project/mlruns';

export async function listTree(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.push(relative(root, path).split(sep).join('/'));
    }
  };
  await walk(root);
  return files.sort();
}

export interface TreeFile {
  /** The file as written. */
  raw: string;
  /** The file with ids, timestamps and the root replaced by labels. */
  text: string;
}

/**
 * Reads a FileStore tree with its ids, timestamps and root replaced by stable labels: an experiment id by
 * `<exp:NAME>`, a run id by `<run:RUN_NAME>`, a 13-digit millisecond timestamp by `<ts>`, the root URI by
 * `<root>`. Two stores that differ only in those then compare equal, path by path and byte by byte.
 */
export async function normalisedTree(root: string, rootUri: string): Promise<Map<string, TreeFile>> {
  const files = await listTree(root);
  const labels = new Map<string, string>();
  for (const file of files) {
    const parts = file.split('/');
    if (parts[0] === 'models' || parts.at(-1) !== 'meta.yaml') continue;
    const text = await readFile(join(root, file), 'utf8');
    // The Default experiment is `0` in every store, and "0" is also in every metric line: it stays as is.
    if (parts.length === 2 && parts[0] !== '0')
      labels.set(parts[0], `<exp:${/^name: (.*)$/m.exec(text)?.[1]}>`);
    if (parts.length === 3) labels.set(parts[1], `<run:${/^run_name: (.*)$/m.exec(text)?.[1]}>`);
  }

  const normalise = (text: string): string => {
    let result = text.split(rootUri).join('<root>');
    for (const [id, label] of labels) result = result.split(id).join(label);
    return result.replace(/\b\d{13}\b/g, '<ts>');
  };
  const tree = new Map<string, TreeFile>();
  for (const file of files) {
    const raw = await readFile(join(root, file), 'utf8');
    tree.set(normalise(file), { raw, text: normalise(raw) });
  }
  return tree;
}

/** The keys of a YAML mapping in file order, each with its YAML type and scalar style. */
export function yamlShape(text: string): string[] {
  const shape: string[] = [];
  const describe = (node: Node | null, path: string): void => {
    if (isMap(node)) {
      if (node.items.length === 0) shape.push(`${path}: map{}`);
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        describe(pair.value as Node | null, path ? `${path}.${key}` : key);
      }
    } else if (isSeq(node)) {
      shape.push(`${path}: seq[${node.items.length}]${node.flow ? ' flow' : ''}`);
      node.items.forEach((item, index) => describe(item as Node, `${path}[${index}]`));
    } else if (isScalar(node)) {
      const type = node.value === null ? 'null' : typeof node.value;
      shape.push(`${path}: ${type} ${node.type ?? ''}`.trim());
    } else {
      shape.push(`${path}: ${String(node)}`);
    }
  };
  describe(parseDocument(text, { version: '1.1', intAsBigInt: true }).contents as Node | null, '');
  return shape;
}
