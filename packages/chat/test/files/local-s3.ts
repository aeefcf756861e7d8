/**
 * A local S3 server for tests: s3rver on a free loopback port, with one bucket,
 * and the settings a real AWS SDK v3 client needs to talk to it. It accepts any
 * signature, so tests of who may download check the chat, never S3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { localCredentials } from '../dynamodb-local.ts';

export interface LocalS3 {
  bucket: string;
  client: S3ClientConfig;
  close(): Promise<void>;
}

/**
 * @param corsOrigin the origin (S3's pattern: one `*` allowed) whose pages may `PUT`
 *   and `GET` in the bucket, as the CDK stacks' CORS rule lets the web client's;
 *   without it, no CORS (as a bucket without a rule)
 */
export async function startLocalS3(bucket = 'chat-files', corsOrigin?: string): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'local-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [
      {
        name: bucket,
        configs:
          corsOrigin === undefined
            ? []
            : [
                `<CORSConfiguration><CORSRule><AllowedOrigin>${corsOrigin}</AllowedOrigin>` +
                  '<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>' +
                  '<AllowedHeader>content-type</AllowedHeader></CORSRule></CORSConfiguration>',
              ],
      },
    ],
  });
  const { port } = await server.run();
  return {
    bucket,
    client: {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      forcePathStyle: true,
      credentials: localCredentials,
    },
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
