import { LocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';
import { UserError } from '../errors/index.js';

export type { ObjectStore } from './object-store.js';
export { LocalStore } from './local-store.js';
export { S3Store, DEFAULT_PART_SIZE, type S3StoreOptions } from './s3-store.js';
export { createS3Client, parseS3Uri, type S3Options } from './s3-client.js';

export interface OpenStoreOptions {
  /** An S3-compatible endpoint instead of AWS (configuration key `s3Endpoint`). */
  s3Endpoint?: string;
  /** The AWS region (configuration key `awsRegion`); empty means the SDK's chain. */
  awsRegion?: string;
}

/** Opens the store a URI names: `s3://bucket/prefix`, or a directory path or `file://` URI. */
export function openStore(uri: string, options: OpenStoreOptions = {}): ObjectStore {
  if (/^s3:\/\//i.test(uri)) {
    return new S3Store(uri, { endpoint: options.s3Endpoint, region: options.awsRegion });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://')) {
    const scheme = uri.split(':')[0];
    throw new UserError(
      `the store "${uri}" uses the scheme ${scheme}://, which this build cannot open`,
      'give s3://bucket/prefix or a directory path (the default is ./.healthpredict/store)',
    );
  }
  return new LocalStore(uri);
}
