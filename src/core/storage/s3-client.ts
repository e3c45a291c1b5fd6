import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';

import { EXIT_CODES, ExternalError, UserError } from '../errors/index.js';

/** How to reach S3 or an S3-compatible service; every field falls back to the AWS SDK's own chain. */
export interface S3Options {
  /** An S3-compatible endpoint (`http://127.0.0.1:9000`) instead of AWS; path-style addressing is then used. */
  endpoint?: string;
  /** The AWS region; empty means the SDK's chain (AWS_REGION, the profile's region). */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`); the default is on with an endpoint and off without. */
  forcePathStyle?: boolean;
  /** Attempts per request including the first, for the SDK's standard retry strategy (default: its own, 3). */
  maxAttempts?: number;
  /** A client made elsewhere, used as it is (tests, or a caller with its own credentials). */
  client?: S3Client;
}

export interface S3Location {
  bucket: string;
  /** The key prefix, without leading or trailing slashes; empty for the bucket's root. */
  prefix: string;
}

/** Splits `s3://bucket/some/prefix` into the bucket and the prefix. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/?#]+)\/*([^?#]*)$/i.exec(uri);
  if (!match || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1])) {
    throw new UserError(
      `"${uri}" is not an s3://bucket/prefix URI`,
      'write it as s3://my-bucket or s3://my-bucket/some/prefix (bucket names are 3-63 lower-case characters)',
    );
  }
  return { bucket: match[1], prefix: match[2].replace(/\/+$/, '') };
}

/**
 * A client for the options: the default credential chain (environment, shared files, SSO, container and
 * instance roles) and region chain, path-style addressing for a custom endpoint, and the SDK's standard
 * retries. Checksums are only sent where S3 requires them, because S3-compatible services often reject the
 * newer default trailing checksums.
 */
export function createS3Client(options: S3Options = {}): S3Client {
  if (options.client) return options.client;
  const endpoint = options.endpoint || undefined;
  return new S3Client({
    ...(endpoint ? { endpoint } : {}),
    // An S3-compatible service ignores the region but the SDK signs with one.
    ...(options.region ? { region: options.region } : endpoint ? { region: 'us-east-1' } : {}),
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(endpoint
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
}

/** The region the client signs with, or a UserError saying how to set one. */
export async function clientRegion(client: S3Client): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    throw new UserError(
      'no AWS region is set for S3',
      'set AWS_REGION (or awsRegion in healthpredict.config), or a region in the AWS profile',
    );
  }
}

const DENIED_CODES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
]);
const WRONG_REGION_CODES = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
]);

export interface S3ErrorContext {
  /** What was being done, for the message: `read`, `write`, `list`, … */
  operation: string;
  bucket: string;
  key?: string;
  /** The region the client signed with, when known. */
  region?: string;
}

/**
 * Turns an error of the SDK into the error to report. A missing bucket, denied access, a wrong region and
 * missing credentials are the user's to fix and say how; anything else, after the SDK's retries, is S3
 * failing. A missing key is left to the caller, which knows what the key was for.
 */
export function describeS3Error(error: unknown, context: S3ErrorContext): Error {
  if (error instanceof UserError || error instanceof ExternalError) return error;
  const where = `s3://${context.bucket}${context.key === undefined ? '' : `/${context.key}`}`;
  const failure = error as S3ServiceException & { Code?: string; Region?: string; code?: string };
  const code = failure.Code ?? failure.name;
  const status = failure.$metadata?.httpStatusCode;

  if (failure.name === 'CredentialsProviderError') {
    return new UserError(
      `no AWS credentials were found to ${context.operation} ${where}`,
      'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an IAM role is attached',
    );
  }
  if (code === 'NoSuchBucket') {
    return new UserError(
      `the bucket "${context.bucket}" does not exist (${context.operation} ${where})`,
      'create the bucket (`healthpredict infra up` makes one), or fix the bucket in --store / --data',
      EXIT_CODES.notFound,
    );
  }
  const actualRegion = bucketRegion(failure);
  // A HEAD has no body to name the error: its bare 400 with the bucket's region header is the wrong region.
  const bareHead = status === 400 && actualRegion !== undefined && context.operation === 'look up';
  if (WRONG_REGION_CODES.has(code) || status === 301 || bareHead) {
    const configured = context.region ? `, not ${context.region}` : '';
    return new UserError(
      actualRegion
        ? `the bucket "${context.bucket}" is in the region ${actualRegion}${configured}`
        : `the bucket "${context.bucket}" is in another region${configured} (${code})`,
      `set AWS_REGION=${actualRegion ?? '<the bucket region>'} or awsRegion in healthpredict.config`,
    );
  }
  if (DENIED_CODES.has(code) || status === 403) {
    return new UserError(
      `access denied to ${context.operation} ${where} (${code})`,
      'check the AWS credentials in use (AWS_PROFILE, AWS_ACCESS_KEY_ID) and that their policy allows ' +
        's3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the bucket',
      EXIT_CODES.badInput,
    );
  }
  return new ExternalError('S3', `${context.operation} ${where} failed: ${failure.message || code}`, {
    status: status ?? failure.code ?? code,
  });
}

/** A missing key, as the SDK reports it for GET (`NoSuchKey`) and for HEAD (a bare 404). */
export function isMissingKey(error: unknown): boolean {
  const failure = error as S3ServiceException & { Code?: string };
  const code = failure.Code ?? failure.name;
  return code === 'NoSuchKey' || code === 'NotFound' || failure.$metadata?.httpStatusCode === 404;
}

/** The region S3 names for the bucket: the `x-amz-bucket-region` header, or the `Region` of the error. */
function bucketRegion(failure: S3ServiceException & { Region?: string }): string | undefined {
  const headers = (failure.$response as { headers?: Record<string, string> } | undefined)?.headers ?? {};
  return headers['x-amz-bucket-region'] ?? failure.Region;
}
