import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EXIT_CODES, ExternalError, UserError } from '../../src/core/errors/index.js';
import { LocalStore, openStore, parseS3Uri, S3Store } from '../../src/core/storage/index.js';
import { removeS3rverData, startS3rver, type RunningS3rver } from './s3rver.js';

const MiB = 1024 * 1024;
let s3: RunningS3rver;

beforeAll(async () => {
  s3 = await startS3rver(['healthpredict-test']);
});
afterAll(async () => {
  await removeS3rverData(s3);
});

function store(prefix = 'unit', options: { partSize?: number; maxAttempts?: number } = {}): S3Store {
  return new S3Store(`s3://healthpredict-test/${prefix}`, {
    endpoint: s3.endpoint,
    region: 'us-east-1',
    ...options,
  });
}

/** Records the name of every command the client sends, to see single PUTs and multipart uploads. */
function commandLog(target: S3Store): string[] {
  const names: string[] = [];
  target.client.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(context.commandName as string);
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return names;
}

/** Deterministic bytes: a repeating counter, so a misplaced part would change the hash. */
function bytes(size: number): Buffer {
  const buffer = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) buffer.writeUInt32LE(i / 4, i);
  return buffer;
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('S3Store on s3rver', () => {
  it('writes, reads, checks, lists and deletes under its prefix as the local store does', async () => {
    const target = store('roundtrip');
    await target.write('processed/manifest.json', '{"version":1}\n');
    await target.write('processed/batches/batch_01.csv', 'a,b\n1,2\n');
    await target.write('processed/batches/batch_02.csv', new Uint8Array([0x61, 0x0a]));
    await target.write('processed/batches_old/x.csv', 'x');

    expect((await target.read('processed/manifest.json')).toString()).toBe('{"version":1}\n');
    expect(await target.exists('processed/batches/batch_01.csv')).toBe(true);
    expect(await target.exists('processed/batches/batch_09.csv')).toBe(false);
    // A prefix is a folder: batches_old is not under batches/, with or without the trailing slash.
    expect(await target.list('processed/batches/')).toEqual([
      'processed/batches/batch_01.csv',
      'processed/batches/batch_02.csv',
    ]);
    expect(await target.list('processed/batches')).toEqual(await target.list('processed/batches/'));
    expect(await target.list('')).toHaveLength(4);
    expect(target.localPath()).toBeUndefined();

    await target.delete('processed/batches');
    expect(await target.list('processed/')).toEqual([
      'processed/batches_old/x.csv',
      'processed/manifest.json',
    ]);
    await target.delete('processed/manifest.json');
    await target.delete('processed/not-there.json');
    expect(await target.list('processed/')).toEqual(['processed/batches_old/x.csv']);
  });

  it('uploads a stream of 17 MiB as a multipart upload and reads the same bytes back', async () => {
    const target = store('multipart');
    const commands = commandLog(target);
    const data = bytes(17 * MiB);
    // Pieces of 1 MiB, so the upload never holds more than its parts in flight.
    const pieces = Array.from({ length: 17 }, (_, i) => data.subarray(i * MiB, (i + 1) * MiB));
    await target.writeStream('raw/big.bin', Readable.from(pieces));

    // 17 MiB in parts of 8 MiB: 8 + 8 + 1, between a create and a complete.
    expect(commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CreateMultipartUploadCommand');
    expect(commands).toContain('CompleteMultipartUploadCommand');
    expect(commands).not.toContain('PutObjectCommand');
    expect(sha(await target.read('raw/big.bin'))).toBe(sha(data));
  });

  it('writes an object up to one part with a single PUT', async () => {
    const target = store('single');
    const commands = commandLog(target);
    await target.write('small.csv', 'a\n');
    expect(commands).toEqual(['PutObjectCommand']);
  });

  it('streams a read in pieces instead of one buffer', async () => {
    const target = store('stream');
    const data = bytes(20 * MiB);
    await target.write('raw/data.bin', data);
    const hash = createHash('sha256');
    let chunks = 0;
    let largest = 0;
    for await (const chunk of target.readStream('raw/data.bin')) {
      chunks += 1;
      largest = Math.max(largest, (chunk as Buffer).length);
      hash.update(chunk as Buffer);
    }
    expect(hash.digest('hex')).toBe(sha(data));
    expect(chunks).toBeGreaterThan(20);
    expect(largest).toBeLessThanOrEqual(MiB);
  });

  it('names a missing key as the local store does', async () => {
    const error = await store('missing')
      .read('processed/initial_train.csv')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      '"processed/initial_train.csv" is not in the store s3://healthpredict-test/missing',
    );
    expect((error as UserError).exitCode).toBe(EXIT_CODES.notFound);
    expect((error as UserError).fix).toBe('run `healthpredict split` first');
  });

  it('says the bucket does not exist, for reads, writes, checks and lists', async () => {
    const target = new S3Store('s3://no-such-bucket/x', { endpoint: s3.endpoint });
    const attempts = [
      () => target.read('a.csv'),
      () => target.write('a.csv', 'x'),
      () => target.exists('a.csv'),
      () => target.list(''),
    ];
    for (const attempt of attempts) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(/^the bucket "no-such-bucket" does not exist/);
      expect((error as UserError).exitCode).toBe(EXIT_CODES.notFound);
    }
  });

  it('says access was denied when the credentials are refused', async () => {
    const previous = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = 'NOT-A-KNOWN-KEY';
    try {
      const error = await store('denied')
        .read('a.csv')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toBe(
        'access denied to read s3://healthpredict-test/denied/a.csv (InvalidAccessKeyId)',
      );
      expect((error as UserError).fix).toContain('AWS_PROFILE');
    } finally {
      process.env.AWS_ACCESS_KEY_ID = previous;
    }
  });

  it('reports S3 down, after the SDK’s retries, as an external error', async () => {
    const other = await startS3rver(['gone-bucket']);
    const target = new S3Store('s3://gone-bucket/x', { endpoint: other.endpoint, maxAttempts: 2 });
    await removeS3rverData(other);
    const error = await target.read('a.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as ExternalError).message).toContain('read s3://gone-bucket/x/a.csv failed');
  });
});

describe('a bucket in another region', () => {
  /**
   * A loopback server that answers as S3 does for a bucket outside the region the request was signed for
   * (AWS documentation of PermanentRedirect and AuthorizationHeaderMalformed); not an S3 server.
   */
  async function wrongRegionAnswers(kind: 'redirect' | 'malformed') {
    const server = createServer((_request, response) => {
      const xml =
        kind === 'redirect'
          ? '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Endpoint>far-bucket.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>far-bucket</Bucket></Error>'
          : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region \'us-east-1\' is wrong; expecting \'eu-west-1\'</Message><Region>eu-west-1</Region></Error>';
      response.writeHead(kind === 'redirect' ? 301 : 400, {
        'Content-Type': 'application/xml',
        'x-amz-bucket-region': 'eu-west-1',
      });
      response.end(xml);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  it.each(['redirect', 'malformed'] as const)('names the bucket’s region (%s)', async (kind) => {
    const { server, endpoint } = await wrongRegionAnswers(kind);
    try {
      const target = new S3Store('s3://far-bucket/data', { endpoint, region: 'us-east-1', maxAttempts: 1 });
      const error = await target.read('diabetic_data.csv.gz').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toBe(
        'the bucket "far-bucket" is in the region eu-west-1, not us-east-1',
      );
      expect((error as UserError).fix).toContain('AWS_REGION=eu-west-1');
    } finally {
      server.close();
    }
  });
});

describe('opening stores', () => {
  it('opens s3://bucket/prefix with the configured endpoint, path-style', () => {
    const opened = openStore('s3://my-bucket/some/prefix/', {
      s3Endpoint: 'http://127.0.0.1:9',
      awsRegion: 'eu-west-1',
    });
    expect(opened).toBeInstanceOf(S3Store);
    expect(opened.uri).toBe('s3://my-bucket/some/prefix');
    expect((opened as S3Store).client.config.forcePathStyle).toBe(true);
  });

  it('refuses malformed S3 URIs and keys that leave the prefix', () => {
    expect(parseS3Uri('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(() => parseS3Uri('s3://Bad_Bucket/x')).toThrow(UserError);
    expect(() => parseS3Uri('s3://')).toThrow(UserError);
    expect(() => store().objectKey('../other/x')).toThrow(UserError);
  });

  it('refuses other schemes', () => {
    expect(() => openStore('gs://bucket/x')).toThrow(/scheme gs:\/\//);
  });
});

describe('LocalStore.writeStream', () => {
  it('writes a stream under a temporary name and renames it into place', async () => {
    const root = await mkdtemp(join(tmpdir(), 'healthpredict-local-'));
    try {
      const local = new LocalStore(root);
      await local.writeStream('raw/a.bin', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
      expect(await readFile(join(root, 'raw/a.bin'), 'utf8')).toBe('abcd');
      expect(await local.list('raw')).toEqual(['raw/a.bin']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
