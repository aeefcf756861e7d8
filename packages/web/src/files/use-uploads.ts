/**
 * The files being attached in the composer: each one is uploaded as soon as it
 * is picked (so sending is instant), with its progress; a failed one shows why
 * and may be removed. The message can go once every upload is done.
 */
import type { AttachmentInput, RoomId } from '@switchboard/chat/api';
import { useCallback, useEffect, useRef, useState } from 'react';
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

/** Files per message the composer takes (the server's default limit). */
export const maxAttachments = 4;

export function useUploads(roomId: RoomId) {
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
      for (const file of files.slice(0, Math.max(0, maxAttachments - uploads.length))) {
        const key = `u${++counter.current}`;
        const abort = new AbortController();
        aborts.current.set(key, abort);
        const type = file.type || 'application/octet-stream';
        setUploads((current) => [
          ...current,
          { key, name: file.name, type, size: file.size, progress: 0, status: 'uploading', id: null, error: null },
        ]);
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
    [api, roomId, update, uploads.length],
  );

  const ready: AttachmentInput[] = uploads
    .filter((upload) => upload.status === 'done' && upload.id !== null)
    .map((upload) => ({ id: upload.id!, name: upload.name, type: upload.type }));
  const busy = uploads.some((upload) => upload.status === 'uploading');
  return { uploads, add, remove, clear, ready, busy };
}
