/**
 * The file store of the functions that handle attachments (the HTTP API's, which
 * signs upload and download URLs, and `sendMessage` and `deleteMessage`): the S3
 * bucket named by `FILES_BUCKET`, with the limits of `FILES_MAX_BYTES` and
 * `FILES_ALLOWED_TYPES`, built at first use. Without a bucket the deployment
 * keeps no files (attachments answer `FILES_NOT_ENABLED`). The SDK takes region,
 * credentials and (in tests) `AWS_ENDPOINT_URL_S3` from the environment.
 */
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { readFilesConfig } from '../../config-files.ts';
import type { FileServiceOptions } from '../../domain/use-cases/files.ts';
import { S3FileStore, s3FileClient } from '../../store/files/s3-file-store.ts';
import { LambdaEnvironment } from '../environment.ts';
import { tracer } from './observability.ts';

let files: FileServiceOptions | undefined;
let client: S3Client | undefined;

/** The container's S3 client, traced by X-Ray, made at first use (exported so tests can observe its calls). */
export function s3Client(): S3Client {
  client ??= tracer.captureAWSv3Client(s3FileClient());
  return client;
}

export function s3Files(): FileServiceOptions | undefined {
  const bucket = process.env[LambdaEnvironment.filesBucket];
  if (!bucket) return undefined;
  if (files) return files;
  // Read once per container, as the store is made: the environment does not change.
  const config = readFilesConfig(process.env, process.cwd());
  files = {
    store: new S3FileStore({ bucket, client: s3Client() }),
    limits: config === false ? {} : (config?.limits ?? {}),
    // Links are presigned by S3: the chat signs none of its own here.
    linkKey: randomBytes(32),
  };
  return files;
}
