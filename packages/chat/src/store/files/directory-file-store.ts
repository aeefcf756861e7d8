/**
 * Files in a directory: `<root>/<key>`. In one process the root is in the data
 * directory; in a cluster every node mounts the same shared directory (NFS, EFS,
 * a CephFS volume) at the same path, which is all the nodes need to agree on
 * (docs/operations.md, "Files"). Bytes go through the chat's upload endpoint and
 * are served by the chat, so this store makes no URLs.
 *
 * A write goes to a temporary name beside its target and is renamed when
 * complete, so a reader never sees half a file and a failed upload leaves none.
 *
 * A write that would leave less than `minFreeBytes` free on the directory's file
 * system is refused (`STORAGE_FULL`) before a byte is read: clients' uploads never
 * fill the disk that the chat's database (in one process, the same data directory)
 * must still write to.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChatError } from '../../domain/errors.ts';
import type { FileStore, StoredFileHead, UploadTarget } from '../../ports/file-store.ts';

/** A key as the port defines it: segments of `[A-Za-z0-9._%-]`, none of them `.` or `..`. */
const validKey = /^(?!\.\.?(\/|$))[A-Za-z0-9._%-]+(\/(?!\.\.?(\/|$))[A-Za-z0-9._%-]+)*$/;

export interface DirectoryFileStoreOptions {
  /** Free space a write must leave on the file system. @default 1073741824 (1 GiB) */
  minFreeBytes?: number;
}

export class DirectoryFileStore implements FileStore {
  readonly #root: string;
  readonly #minFreeBytes: number;

  /** `root` is created on the first write. */
  constructor(root: string, options: DirectoryFileStoreOptions = {}) {
    this.#root = resolve(root);
    this.#minFreeBytes = options.minFreeBytes ?? 1024 ** 3;
  }

  async uploadTarget(): Promise<UploadTarget | undefined> {
    return undefined;
  }

  async write(key: string, body: Readable, maxBytes: number): Promise<number> {
    const path = this.#path(key);
    const temporary = `${path}.${randomUUID()}.part`;
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) done(new ChatError('FILE_TOO_LARGE'));
        else done(null, chunk);
      },
    });
    try {
      await mkdir(dirname(path), { recursive: true });
      const { bavail, bsize } = await statfs(dirname(path));
      if (bavail * bsize - maxBytes < this.#minFreeBytes) throw new ChatError('STORAGE_FULL');
      await pipeline(body, limit, createWriteStream(temporary, { flags: 'wx' }));
      await rename(temporary, path);
      return size;
    } catch (error) {
      await rm(temporary, { force: true });
      if (error instanceof ChatError) throw error;
      throw storeError(error);
    }
  }

  async inspect(key: string, headBytes: number): Promise<StoredFileHead | undefined> {
    const handle = await open(this.#path(key), 'r').catch(missingOr);
    if (!handle) return undefined;
    try {
      const { size } = await handle.stat();
      const head = Buffer.alloc(Math.min(size, headBytes));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return { size, head: head.subarray(0, bytesRead) };
    } catch (error) {
      throw storeError(error);
    } finally {
      await handle.close();
    }
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.#path(to);
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(this.#path(from), target);
    } catch (error) {
      throw storeError(error);
    }
  }

  async downloadUrl(): Promise<string | undefined> {
    return undefined;
  }

  async read(key: string): Promise<{ size: number; body: Readable } | undefined> {
    const path = this.#path(key);
    const info = await stat(path).catch(missingOr);
    if (!info) return undefined;
    return { size: info.size, body: createReadStream(path) };
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.#path(key), { force: true });
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Deletes the files under `prefix` (a key's first segments) last written before
   * `before` (ms since the epoch), temporary ones of an interrupted write included;
   * resolves to how many. A file deleted meanwhile by someone else is no error.
   */
  async deleteOlderThan(prefix: string, before: number): Promise<number> {
    const dir = this.#path(prefix);
    // Names relative to `dir` (not `Dirent.parentPath`, which Node 20.11 lacks).
    const names = await readdir(dir, { recursive: true }).catch(missingOr);
    let deleted = 0;
    for (const name of names ?? []) {
      const path = join(dir, name);
      const info = await stat(path).catch(missingOr);
      if (!info?.isFile() || info.mtimeMs >= before) continue;
      await rm(path, { force: true }).catch(missingOr);
      deleted++;
    }
    return deleted;
  }

  #path(key: string): string {
    if (!validKey.test(key)) throw new TypeError(`Not a file key: ${JSON.stringify(key)}`);
    const path = join(this.#root, ...key.split('/'));
    // The key pattern already rules out `..`; this keeps the promise if the pattern ever changes.
    if (!path.startsWith(this.#root + sep)) throw new TypeError(`Not a file key: ${JSON.stringify(key)}`);
    return path;
  }
}

/** `undefined` for a missing file; any other failure as `STORE_UNAVAILABLE`. */
function missingOr(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw storeError(error);
}

function storeError(error: unknown): ChatError {
  return new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
}
