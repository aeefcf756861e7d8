/**
 * Which file store a chat server uses (docs/operations.md, "Files"):
 *
 * | Deployment            | Default                    | Choice                                          |
 * | --------------------- | -------------------------- | ----------------------------------------------- |
 * | one process (SQLite)  | `<dataDir>/files`          | `dir`, or `s3`                                  |
 * | cluster               | none: attachments refused  | `dir` on a mount every node shares, or `s3`     |
 *
 * A cluster has no default because a node's own disk is invisible to the
 * others: a file uploaded through one node would be missing on the rest.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FileLimits } from '../../domain/attachments.ts';
import type { ChatLogger } from '../../domain/use-cases/context.ts';
import { type FileServiceOptions, UPLOADS_PREFIX } from '../../domain/use-cases/files.ts';
import { DirectoryFileStore } from './directory-file-store.ts';
import { S3FileStore, type S3FileStoreOptions } from './s3-file-store.ts';

export interface ChatFilesOptions {
  /** A directory for the files; in a cluster, one that every node mounts at this path. @default `<dataDir>/files` (one process only) */
  dir?: string;
  /** An S3 bucket instead of a directory: uploads and downloads go straight to S3 by presigned URLs. */
  s3?: S3FileStoreOptions;
  /** Limits that differ from `defaultFileLimits` (domain/attachments.ts). @default {} */
  limits?: Partial<FileLimits>;
  /**
   * With a directory: uploads never sent with a message are deleted once they are
   * this old (checked at start and every hour), as the S3 bucket's lifecycle rule
   * does. @default 86400000 (one day)
   */
  unattachedUploadExpiryMs?: number;
  /**
   * With a directory: free space an upload must leave on its file system, or it is
   * refused with `STORAGE_FULL`. @default 1073741824 (1 GiB)
   */
  minFreeBytes?: number;
}

const UPLOAD_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** An opened file store: what the chat service takes, where browsers fetch files, what to close. */
export interface OpenedFileStore {
  /** `undefined` when files are off. */
  files: FileServiceOptions | undefined;
  /** Origins other than the chat's that its pages upload to and show images from (S3's). */
  origins: string[];
  close(): void;
}

export async function openFileStore(
  options: ChatFilesOptions | false | undefined,
  defaults: { dataDir: string; cluster: boolean; logger: ChatLogger },
): Promise<OpenedFileStore> {
  const settings = options ?? (defaults.cluster ? false : { dir: join(defaults.dataDir, 'files') });
  if (settings === false) return { files: undefined, origins: [], close() {} };
  if (settings.dir !== undefined && settings.s3 !== undefined) {
    throw new TypeError('Choose one file store: a directory (FILES_DIR) or an S3 bucket (FILES_S3_BUCKET), not both.');
  }
  const limits = settings.limits ?? {};
  if (settings.s3) {
    const store = new S3FileStore(settings.s3);
    let origin: string;
    try {
      origin = await store.origin();
    } catch (error) {
      store.destroy();
      throw new TypeError(`FILES_S3_BUCKET: no URL of the bucket could be signed (${(error as Error).message}).`, {
        cause: error,
      });
    }
    // The chat signs no links of its own with S3 (they are presigned): any key will do.
    return { files: { store, limits, linkKey: randomBytes(32) }, origins: [origin], close: () => store.destroy() };
  }
  const dir = resolve(settings.dir ?? join(defaults.dataDir, 'files'));
  const store = new DirectoryFileStore(dir, { minFreeBytes: settings.minFreeBytes });
  const files = { store, limits, linkKey: await linkKey(dir) };
  const expiryMs = settings.unattachedUploadExpiryMs ?? 24 * 60 * 60 * 1000;
  // Every node of a cluster sweeps the shared directory: deleting twice is harmless.
  const sweep = (): void => {
    store.deleteOlderThan(UPLOADS_PREFIX, Date.now() - expiryMs).catch((error: unknown) => {
      defaults.logger.warn({ err: error }, 'chat: deleting unsent uploads failed');
    });
  };
  sweep();
  const timer = setInterval(sweep, UPLOAD_SWEEP_INTERVAL_MS).unref();
  return { files, origins: [], close: () => clearInterval(timer) };
}

/**
 * The key that signs the chat's own file links, kept beside the files: every
 * node that mounts the directory serves the links any of them made. Created
 * once, complete (written aside, then linked into place, which fails if it is
 * there); a node that loses the race to create it reads the winner's.
 */
async function linkKey(dir: string): Promise<Uint8Array> {
  const path = join(dir, 'link-key');
  const aside = join(dir, `link-key.${randomUUID()}`);
  await mkdir(dir, { recursive: true });
  await writeFile(aside, randomBytes(32).toString('base64url'), { mode: 0o600 });
  try {
    await link(aside, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(aside, { force: true });
  }
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
  if (key.length < 32)
    throw new TypeError(`The file link key in ${path} is shorter than 32 bytes: delete it to make a new one.`);
  return key;
}
