/**
 * The files being attached in the composer: each one is uploaded as soon as it
 * is picked (so sending is instant), with its progress; a failed one shows why
 * and may be removed. The message can go once every upload is done. The
 * server's limits (`welcome.limits.files`) are checked first: a file too large
 * or of a type it does not take fails at once, without being sent, and no more
 * files are taken than a message may carry.
 */
import { type AttachmentInput, type FileLimits, normalizeType, type RoomId } from '@switchboard/chat/api';
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatBytes } from '../components/file-size.ts';
import { useFileApi } from './file-api-context.ts';

export interface Upload {
  /** Local key (the server's id is known only once asked). */
  key: string;
  name: string;
  type: string;
  size: number;
  /** 0 to 1. */
  progress: number;
  status: 'uploading' | 'done' | 'failed';
  /** The server's id, once the upload was accepted. */
  id: string | null;
  error: string | null;
}

/** `limits`: the server's; `null` when it takes no files (then none are taken). */
export function useUploads(roomId: RoomId, limits: FileLimits | null) {
  const api = useFileApi();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const aborts = useRef(new Map<string, AbortController>());
  const counter = useRef(0);

  const update = useCallback((key: string, change: Partial<Upload>) => {
    setUploads((current) => current.map((upload) => (upload.key === key ? { ...upload, ...change } : upload)));
  }, []);

  const remove = useCallback((key: string) => {
    aborts.current.get(key)?.abort();
    aborts.current.delete(key);
    setUploads((current) => current.filter((upload) => upload.key !== key));
  }, []);

  const clear = useCallback(() => {
    for (const abort of aborts.current.values()) abort.abort();
    aborts.current.clear();
    setUploads([]);
  }, []);

  // Uploads belong to the room they were made for: another room starts with none.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the room changing is the trigger
  useEffect(() => clear, [roomId, clear]);

  const add = useCallback(
    (files: readonly File[]) => {
      if (limits === null) return;
      for (const file of files.slice(0, Math.max(0, limits.maxPerMessage - uploads.length))) {
        const key = `u${++counter.current}`;
        const type = file.type || 'application/octet-stream';
        const refusal = refusalOf(file, type, limits);
        const upload: Upload = {
          key,
          name: file.name,
          type,
          size: file.size,
          progress: 0,
          status: 'uploading',
          id: null,
          error: null,
        };
        if (refusal !== null) {
          setUploads((current) => [...current, { ...upload, status: 'failed', error: refusal }]);
          continue;
        }
        const abort = new AbortController();
        aborts.current.set(key, abort);
        setUploads((current) => [...current, upload]);
        void (async () => {
          try {
            const created = await api.createUpload(roomId, file);
            await api.upload(created.upload, file, (progress) => update(key, { progress }), abort.signal);
            update(key, { status: 'done', id: created.id, progress: 1 });
          } catch (error) {
            if (abort.signal.aborted) return;
            update(key, { status: 'failed', error: (error as Error).message });
          } finally {
            aborts.current.delete(key);
          }
        })();
      }
    },
    [api, roomId, update, uploads.length, limits],
  );

  const ready: AttachmentInput[] = uploads
    .filter((upload) => upload.status === 'done' && upload.id !== null)
    .map((upload) => ({ id: upload.id!, name: upload.name, type: upload.type }));
  const busy = uploads.some((upload) => upload.status === 'uploading');
  return { uploads, add, remove, clear, ready, busy };
}

/** Why the server would refuse `file` (its size and type are checked again there), or `null`. */
function refusalOf(file: File, type: string, limits: FileLimits): string | null {
  if (file.size > limits.maxBytes) return `Files are at most ${formatBytes(limits.maxBytes)}.`;
  const normalized = normalizeType(type);
  if (!limits.allowedTypes.includes(normalized)) return `Files of type ${normalized} cannot be attached.`;
  return null;
}
