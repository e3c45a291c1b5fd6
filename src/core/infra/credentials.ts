import { EXIT_CODES, UserError } from '../errors/index.js';

export const CREDENTIALS_FIX =
  'set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

/**
 * Fails fast when the AWS SDK's default chain (environment, shared files, SSO, web identity, container or
 * instance role) finds no credentials, before Terraform spends a minute on providers and then says the same
 * thing less clearly. Terraform's AWS provider reads the same chain.
 */
export async function checkAwsCredentials(region: string): Promise<void> {
  // The SDK warns on stderr about Node versions it will drop in a later release, which would break the
  // one-line error below; the warning says nothing about this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ region: region || 'us-east-1' });
  try {
    await client.config.credentials();
  } catch {
    throw new UserError('no AWS credentials were found', CREDENTIALS_FIX, EXIT_CODES.external);
  } finally {
    client.destroy();
  }
}
