import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import { Document, parseDocument } from 'yaml';

import { EXIT_CODES, UserError } from '../errors/index.js';
import { writeFileAtomic } from '../util/files.js';

/**
 * Sets keys in a configuration file, keeping every other key (and, in YAML, the comments). JSON or YAML by
 * the file's extension; the file is created when missing and replaced atomically.
 */
export async function setConfigValues(file: string, values: Record<string, string>): Promise<void> {
  await editConfig(file, (document) => {
    for (const [key, value] of Object.entries(values)) document.set(key, value);
  });
}

/** Removes the keys whose value is still the one given; returns the keys removed. */
export async function unsetConfigValues(file: string, values: Record<string, string>): Promise<string[]> {
  if (!existsSync(file)) return [];
  const removed: string[] = [];
  await editConfig(file, (document) => {
    for (const [key, value] of Object.entries(values)) {
      if (document.get(key) === value) {
        document.delete(key);
        removed.push(key);
      }
    }
  });
  return removed;
}

interface ConfigDocument {
  get(key: string): unknown;
  set(key: string, value: string): void;
  delete(key: string): void;
}

async function editConfig(file: string, edit: (document: ConfigDocument) => void): Promise<void> {
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  if (/\.ya?ml$/i.test(file)) {
    const parsed = parseDocument(text);
    if (parsed.errors.length > 0) throw unparseable(file, parsed.errors[0].message);
    const document = parsed.contents === null ? new Document({}) : parsed;
    edit({
      get: (key) => document.get(key),
      set: (key, value) => document.set(key, value),
      delete: (key) => document.delete(key),
    });
    await writeFileAtomic(file, String(document));
    return;
  }

  let object: Record<string, unknown> = {};
  if (text.trim() !== '') {
    try {
      object = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw unparseable(file, (error as Error).message);
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) {
      throw unparseable(file, 'it does not hold an object');
    }
  }
  edit({
    get: (key) => object[key],
    set: (key, value) => (object[key] = value),
    delete: (key) => delete object[key],
  });
  await writeFileAtomic(file, `${JSON.stringify(object, null, 2)}\n`);
}

function unparseable(file: string, reason: string): UserError {
  return new UserError(
    `the configuration file ${file} cannot be updated: ${reason.split('\n')[0]}`,
    'fix its syntax, or move it away and rerun',
    EXIT_CODES.badInput,
  );
}
