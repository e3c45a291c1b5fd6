import { extname } from 'node:path';
import { PassThrough, Readable } from 'node:stream';

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { EXIT_CODES, UserError } from '../errors/index.js';
import { debugFor } from '../util/log.js';
import type { ObjectStore } from './object-store.js';
import {
  clientRegion,
  createS3Client,
  describeS3Error,
  isMissingKey,
  parseS3Uri,
  type S3Options,
} from './s3-client.js';

const debug = debugFor('storage');

/** Objects up to one part are a single PUT; larger ones a multipart upload of parts this size. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** Parts uploaded at the same time; with the part size this bounds the memory an upload holds. */
const UPLOAD_QUEUE = 4;
const DELETE_CONCURRENCY = 8;

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gz': 'application/gzip',
};

export interface S3StoreOptions extends S3Options {
  /** Part size of multipart uploads, at least 5 MiB as S3 requires (default 8 MiB). */
  partSize?: number;
}

/**
 * An object store under `s3://bucket/prefix` on Amazon S3 or an S3-compatible service. Keys are the same
 * `/`-separated relative paths as in the local store, placed under the prefix. Reads stream from the GET
 * response; writes stream through `@aws-sdk/lib-storage`, a single PUT for small objects and a multipart
 * upload above one part, so no object is ever held whole and a reader never sees a half-written one (S3
 * shows an object only once its upload completes, and a failed multipart upload is aborted).
 */
export class S3Store implements ObjectStore {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly partSize: number;
  private bucketChecked = false;

  constructor(uri: string, options: S3StoreOptions = {}) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.uri = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.client = createS3Client(options);
    this.partSize = Math.max(options.partSize ?? DEFAULT_PART_SIZE, 5 * 1024 * 1024);
  }

  localPath(): undefined {
    return undefined;
  }

  /** The object's full key in the bucket. */
  objectKey(key: string): string {
    const parts = key.split('/');
    if (key === '' || key.startsWith('/') || parts.some((part) => part === '..' || part === '.')) {
      throw new UserError(`store key "${key}" leaves the store prefix`, 'use a relative key without ".."');
    }
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async read(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.readStream(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The object's bytes as they arrive; a failure (a missing key, S3 down) is the stream's error. */
  readStream(key: string): Readable {
    const output = new PassThrough();
    this.openBody(key).then(
      (body) => {
        body.once('error', (error) => void this.failure(error, 'read', key).then((e) => output.destroy(e)));
        // A reader that stops early (a bad row) closes the output; the response is then dropped too.
        output.once('close', () => body.destroy());
        body.pipe(output);
      },
      (error: unknown) => output.destroy(error as Error),
    );
    return output;
  }

  async write(key: string, data: string | Uint8Array): Promise<void> {
    await this.upload(key, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** Writes an object from a stream without holding it whole: one part at a time goes to S3. */
  async writeStream(key: string, body: Readable): Promise<void> {
    await this.upload(key, body);
  }

  async exists(key: string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return true;
    } catch (error) {
      if (!isMissingKey(error)) throw await this.failure(error, 'look up', key);
      // HEAD answers a bare 404 for a missing bucket too; only the bucket's own HEAD tells them apart.
      await this.checkBucket();
      return false;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const directory = prefix.replace(/\/+$/, '');
    const fullPrefix = [this.prefix, directory].filter((part) => part !== '').join('/');
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: fullPrefix ? `${fullPrefix}/` : undefined,
            ContinuationToken: token,
          }),
        )
        .catch(async (error: unknown) => {
          throw await this.failure(error, 'list', directory ? `${directory}/` : '');
        });
      for (const object of page.Contents ?? []) {
        const name = object.Key ?? '';
        if (name.endsWith('/')) continue;
        keys.push(this.prefix ? name.slice(this.prefix.length + 1) : name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /** Deletes the object and, as the local store deletes a folder, every object under `key/`. */
  async delete(key: string): Promise<void> {
    const keys = [key, ...(await this.list(key)).filter((name) => name.startsWith(`${key}/`))];
    for (let start = 0; start < keys.length; start += DELETE_CONCURRENCY) {
      await Promise.all(keys.slice(start, start + DELETE_CONCURRENCY).map((name) => this.deleteOne(name)));
    }
  }

  private async deleteOne(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      if (!isMissingKey(error)) throw await this.failure(error, 'delete', key);
    }
  }

  private async openBody(key: string): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return response.Body as Readable;
    } catch (error) {
      throw await this.failure(error, 'read', key);
    }
  }

  private async upload(key: string, body: Uint8Array | Readable): Promise<void> {
    const objectKey = this.objectKey(key);
    const started = Date.now();
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: objectKey,
        Body: body,
        ContentType: CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream',
      },
      partSize: this.partSize,
      queueSize: UPLOAD_QUEUE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw await this.failure(error, 'write', key);
    }
    debug('wrote s3://%s/%s in %d ms', this.bucket, objectKey, Date.now() - started);
  }

  private async checkBucket(): Promise<void> {
    if (this.bucketChecked) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      this.bucketChecked = true;
    } catch (error) {
      const missing = isMissingKey(error);
      throw await this.failure(
        missing ? Object.assign(new Error('NoSuchBucket'), { name: 'NoSuchBucket' }) : error,
        'look up',
      );
    }
  }

  /**
   * The error to report for a failed call; a missing key is named as the local store names it. With no
   * region anywhere the SDK fails before sending, and saying so is the useful error.
   */
  private async failure(error: unknown, operation: string, key?: string): Promise<Error> {
    if (
      operation === 'read' &&
      key !== undefined &&
      isMissingKey(error) &&
      errorCode(error) !== 'NoSuchBucket'
    ) {
      return new UserError(
        `"${key}" is not in the store ${this.uri}`,
        key.startsWith('processed/')
          ? 'run `healthpredict split` first'
          : 'check the key and the --store flag',
        EXIT_CODES.notFound,
      );
    }
    let region: string;
    try {
      region = await clientRegion(this.client);
    } catch (missingRegion) {
      return missingRegion as Error;
    }
    const objectKey = key === undefined ? undefined : this.prefix ? `${this.prefix}/${key}` : key;
    return describeS3Error(error, { operation, bucket: this.bucket, key: objectKey, region });
  }
}

function errorCode(error: unknown): string | undefined {
  const failure = error as { Code?: string; name?: string };
  return failure.Code ?? failure.name;
}
