import { createReadStream } from 'node:fs';
import { access, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

import { EXIT_CODES, UserError } from '../errors/index.js';
import { writeFileAtomic } from '../util/files.js';
import type { ObjectStore } from './object-store.js';

/** An object store in a directory on this machine (default `./.healthpredict/store`). */
export class LocalStore implements ObjectStore {
  readonly uri: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root.startsWith('file://') ? new URL(root).pathname : root);
    this.uri = this.root;
  }

  localPath(key: string): string {
    const path = resolve(this.root, key);
    if (path !== this.root && !path.startsWith(this.root + sep)) {
      throw new UserError(`store key "${key}" leaves the store directory`, 'use a relative key without ".."');
    }
    return path;
  }

  async read(key: string): Promise<Buffer> {
    try {
      return await readFile(this.localPath(key));
    } catch (error) {
      throw notFound(this, key, error);
    }
  }

  readStream(key: string): Readable {
    return createReadStream(this.localPath(key));
  }

  async write(key: string, data: string | Uint8Array): Promise<void> {
    await writeFileAtomic(this.localPath(key), data);
  }

  async writeStream(key: string, body: Readable): Promise<void> {
    await writeFileAtomic(this.localPath(key), body);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.localPath(key));
      return true;
    } catch {
      return false;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.localPath(prefix.replace(/\/+$/, '') || '.');
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (!entry.name.endsWith('.tmp')) keys.push(relative(this.root, path).split(sep).join('/'));
      }
    };
    await walk(base);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true, recursive: true });
  }
}

function notFound(store: ObjectStore, key: string, error: unknown): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new UserError(
      `"${key}" is not in the store ${store.uri}`,
      key.startsWith('processed/') ? 'run `healthpredict split` first' : 'check the key and the --store flag',
      EXIT_CODES.notFound,
    );
  }
  return error as Error;
}
