/**
 * The file port: where the bytes of attached files live. Adapters: a directory
 * (store/files/directory-file-store.ts: the data directory in one process, a
 * shared mount in a cluster) and S3 (store/files/s3-file-store.ts, with
 * presigned URLs, so bytes never pass through a Lambda function).
 *
 * The store knows keys and bytes, nothing of rooms or users: the chat decides
 * the keys (domain/use-cases/files.ts) and checks every request before it
 * reaches the store. Keys are `/`-separated segments of `[A-Za-z0-9._%-]`.
 *
 * Contract:
 * - Every method may reject with `ChatError('STORE_UNAVAILABLE')` (cause: the
 *   backend's error) when the backend fails.
 * - A write or move resolves once the bytes are durable; a key is written once.
 */
import type { Readable } from 'node:stream';

/** How a client sends a file's bytes: one HTTP request. */
export interface UploadTarget {
  method: 'PUT';
  /** Absolute, or relative to the chat's origin (the chat's own upload endpoint). */
  url: string;
  /** Headers the request must carry exactly (a presigned URL signs them). */
  headers: Record<string, string>;
}

export interface StoredFileHead {
  /** Bytes. */
  size: number;
  /** The first bytes, at most as many as asked for. */
  head: Buffer;
}

export interface DownloadOptions {
  /** The name a browser saves it as. */
  name: string;
  /** The `Content-Type` to serve. */
  type: string;
  /** `true`: `Content-Disposition: attachment` (a download, never rendered); `false`: inline. */
  attachment: boolean;
  expiresInSeconds: number;
}

export interface FileStore {
  /**
   * Where a client sends the bytes of a new file of exactly `size` bytes, valid
   * for `expiresInSeconds`: a presigned request, or `undefined` when the bytes
   * go through the chat's own upload endpoint (then the chat calls `write`).
   */
  uploadTarget(
    key: string,
    file: { type: string; size: number; expiresInSeconds: number },
  ): Promise<UploadTarget | undefined>;
  /**
   * Stores `body` under `key`, keeping at most `maxBytes` bytes: a longer body
   * rejects with `ChatError('FILE_TOO_LARGE')` and leaves nothing. Resolves to the size.
   */
  write(key: string, body: Readable, maxBytes: number): Promise<number>;
  /** The size and first `headBytes` bytes, or `undefined` when there is no such file. */
  inspect(key: string, headBytes: number): Promise<StoredFileHead | undefined>;
  /** Renames a file (`from` must exist); what was at `to` is replaced. */
  move(from: string, to: string): Promise<void>;
  /**
   * A URL that serves the file for `expiresInSeconds` with the given headers, or
   * `undefined` when the chat serves it itself (from `read`).
   */
  downloadUrl(key: string, options: DownloadOptions): Promise<string | undefined>;
  /** The file's bytes, or `undefined` when there is no such file. */
  read(key: string): Promise<{ size: number; body: Readable } | undefined>;
  /** Forgets a file; a missing one is not an error. */
  delete(key: string): Promise<void>;
}
