import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Temporary files being written; removed if the process exits before they are renamed into place. */
const inFlight = new Set<string>();
process.on('exit', () => {
  for (const temporary of inFlight) rmSync(temporary, { force: true });
});

/**
 * Writes a file, whole or from a stream, under a temporary name beside it and renames it into place, so no
 * reader sees half of it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | Readable): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  inFlight.add(temporary);
  try {
    if (data instanceof Readable) await pipeline(data, createWriteStream(temporary));
    else await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    inFlight.delete(temporary);
  }
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
