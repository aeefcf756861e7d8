/**
 * Files in an S3 bucket. Bytes never pass through the chat (on AWS, a Lambda
 * function and API Gateway could not carry 10 MB anyway): a client uploads with
 * a presigned `PUT` whose signature covers the `Content-Type` and the exact
 * `Content-Length` the chat allowed, and downloads with a presigned `GET` whose
 * response headers the signature fixes (`Content-Disposition`, `Content-Type`).
 *
 * What each operation needs from IAM (the CDK stack grants exactly these):
 * `uploadTarget` s3:PutObject on `uploads/*` (a presigned URL acts with the
 * signer's rights); `inspect` s3:GetObject on both prefixes; `move` s3:GetObject,
 * s3:PutObject on `files/*` and s3:DeleteObject on `uploads/*`; `downloadUrl`
 * and `read` s3:GetObject on `files/*`; `delete` s3:DeleteObject on `files/*`.
 *
 * The downloads come from the bucket's own origin, never the chat's, so even a
 * file that a browser would run could not reach the chat's pages or tokens.
 */
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ChatError } from '../../domain/errors.ts';
import { contentDisposition } from '../../http/content-disposition.ts';
import type { DownloadOptions, FileStore, StoredFileHead, UploadTarget } from '../../ports/file-store.ts';

export interface S3FileStoreOptions {
  bucket: string;
  /**
   * The S3 client's settings (region, endpoint, `forcePathStyle` for an S3-compatible
   * server), or a client made by `s3FileClient` (e.g. one traced by X-Ray on Lambda).
   * @default {} (from the environment, as on Lambda and ECS)
   */
  client?: S3ClientConfig | S3Client;
}

/** An S3 client as the file store needs it: `settings` plus what presigned uploads take. */
export function s3FileClient(settings: S3ClientConfig = {}): S3Client {
  return new S3Client({
    // Otherwise the SDK signs a checksum of the empty body into every presigned PUT, and S3
    // refuses the real upload (BadDigest): the bytes come from the browser, not from here.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...settings,
  });
}

export class S3FileStore implements FileStore {
  readonly #bucket: string;
  readonly #client: S3Client;

  constructor(options: S3FileStoreOptions) {
    this.#bucket = options.bucket;
    this.#client = options.client instanceof S3Client ? options.client : s3FileClient(options.client);
  }

  async uploadTarget(
    key: string,
    file: { type: string; size: number; expiresInSeconds: number },
  ): Promise<UploadTarget> {
    const command = new PutObjectCommand({
      Bucket: this.#bucket,
      Key: key,
      ContentType: file.type,
      ContentLength: file.size,
    });
    const url = await getSignedUrl(this.#client, command, {
      expiresIn: file.expiresInSeconds,
      // Signed, so S3 refuses a body of another length or type than the chat allowed.
      signableHeaders: new Set(['content-type', 'content-length']),
    }).catch(unavailable);
    // Browsers set Content-Length themselves (from the body) and refuse a script setting it.
    return { method: 'PUT', url, headers: { 'content-type': file.type } };
  }

  async write(key: string, body: Readable, maxBytes: number): Promise<number> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw new ChatError('FILE_TOO_LARGE');
      chunks.push(chunk as Buffer);
    }
    await this.#client
      .send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: Buffer.concat(chunks) }))
      .catch(unavailable);
    return size;
  }

  async inspect(key: string, headBytes: number): Promise<StoredFileHead | undefined> {
    try {
      if (headBytes === 0) {
        const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
        return { size: head.ContentLength ?? 0, head: Buffer.alloc(0) };
      }
      const object = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: `bytes=0-${headBytes - 1}` }),
      );
      const head = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      // `bytes 0-65535/1048576`: the total is after the slash.
      const size = Number(object.ContentRange?.split('/')[1] ?? object.ContentLength ?? head.length);
      return { size, head: head.subarray(0, headBytes) };
    } catch (error) {
      return missingOr(error);
    }
  }

  async move(from: string, to: string): Promise<void> {
    await this.#client
      .send(
        new CopyObjectCommand({
          Bucket: this.#bucket,
          Key: to,
          CopySource: `${this.#bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
        }),
      )
      .catch(unavailable);
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: from })).catch(unavailable);
  }

  /**
   * Where the URLs it presigns point (`https://<bucket>.s3.<region>.amazonaws.com`, or the
   * endpoint's origin for an S3-compatible server): a page served by the chat must be let
   * reach it (static-files.ts, `fileOrigins`). Read from a URL signed as every other one
   * is, so it follows the region, the endpoint and the path style as they do.
   */
  async origin(): Promise<string> {
    const probe = new GetObjectCommand({ Bucket: this.#bucket, Key: 'origin' });
    return new URL(await getSignedUrl(this.#client, probe, { expiresIn: 1 })).origin;
  }

  async downloadUrl(key: string, options: DownloadOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.#bucket,
      Key: key,
      ResponseContentType: options.type,
      ResponseContentDisposition: contentDisposition(options.attachment, options.name),
      ResponseCacheControl: `private, max-age=${options.expiresInSeconds}`,
    });
    return getSignedUrl(this.#client, command, { expiresIn: options.expiresInSeconds }).catch(unavailable);
  }

  async read(key: string): Promise<{ size: number; body: Readable } | undefined> {
    try {
      const object = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { size: object.ContentLength ?? 0, body: object.Body as Readable };
    } catch (error) {
      return missingOr(error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key })).catch(unavailable);
  }

  /** Closes the client's connections. */
  destroy(): void {
    this.#client.destroy();
  }
}

function missingOr(error: unknown): undefined {
  const name = (error as { name?: string }).name;
  if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
  return unavailable(error);
}

function unavailable(error: unknown): never {
  throw new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
}
