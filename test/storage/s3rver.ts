import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import S3rver from 's3rver';

/** What the AWS SDK needs to talk to s3rver: its fixed key pair, any region, and path-style addressing. */
export const S3RVER_ENV = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  // Never ask an instance metadata service for credentials from a test.
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
} as const;

export interface RunningS3rver {
  endpoint: string;
  port: number;
  directory: string;
  stop: () => Promise<void>;
}

/**
 * Starts s3rver, a real S3 protocol server, in this process on 127.0.0.1 and a free port, keeping its
 * objects in a temporary directory, with the buckets given already made.
 */
export async function startS3rver(buckets: string[], port = 0): Promise<RunningS3rver> {
  Object.assign(process.env, S3RVER_ENV);
  const directory = await mkdtemp(join(tmpdir(), 'healthpredict-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  const address = (await server.run()) as { port: number };
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    directory,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
    },
  };
}

export async function removeS3rverData(server: RunningS3rver): Promise<void> {
  await server.stop();
  await rm(server.directory, { recursive: true, force: true });
}
