/**
 * Files attached to messages (docs/protocol.md, "Files"). Bytes never travel
 * over the WebSocket (API Gateway's frames are at most 128 KB): a member asks
 * for an upload over HTTP, sends the bytes in one `PUT` (to the chat, or to a
 * presigned S3 URL), then names the file in `sendMessage`.
 *
 *   POST /api/files {roomId,name,type,size} ──▶ createUpload: member? size and type allowed? ──▶ {id, upload}
 *   PUT  upload.url  (bytes)               ──▶ the chat's endpoint (receiveUpload) or S3 (presigned, exact size)
 *   sendMessage {attachments:[{id,name,type}]} ──▶ attach: the upload exists, its size and first bytes agree
 *                                              ──▶ append the message, then commit: pending -> attached
 *   GET  /api/files/<messageId>/<fileId>   ──▶ link: readable message, not deleted, has the file ──▶ {url}
 *
 * Keys: an upload waits at `uploads/<room>/<uploader>/<id>` until its message
 * is stored, then lives at `files/<room>/<author>/<id>`, so the key follows from
 * the message alone, only its uploader can attach it, and a bucket rule can
 * expire uploads never attached. Deleting the message deletes the file.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DownloadOptions, FileStore, UploadTarget } from '../../ports/file-store.ts';
import {
  type Attachment,
  type AttachmentInput,
  checkContent,
  defaultFileLimits,
  type FileLimits,
  imageDimensions,
  imageTypes,
  normalizeType,
  SNIFF_BYTES,
  safeFileName,
} from '../attachments.ts';
import { ChatError } from '../errors.ts';
import type { Message, MessageId, RoomId, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export interface FileServiceOptions {
  store: FileStore;
  /** Limits that differ from `defaultFileLimits`. @default {} */
  limits?: Partial<FileLimits>;
  /**
   * Signs the links to files the chat serves itself (a store without URLs of
   * its own): every node that serves files needs the same key, at least 32 bytes.
   */
  linkKey: Uint8Array;
  /** How long an upload URL stays valid. @default 900 (15 minutes) */
  uploadExpirySeconds?: number;
  /** How long a download link stays valid. @default 300 (5 minutes) */
  downloadExpirySeconds?: number;
}

export interface NewUpload {
  /** Name the file by this id in `sendMessage`'s `attachments`. */
  id: string;
  upload: UploadTarget;
  /** When the upload URL stops working (ms since the epoch). */
  expiresAt: number;
}

export interface FileLink {
  url: string;
  expiresAt: number;
}

/** What the chat serves for a link it signed itself. */
export interface ServedFile {
  attachment: Attachment;
  size: number;
  body: Readable;
}

/** Server-made ids: a UUID. Anything else is not a file of ours. */
const fileIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What the chat's own upload URL carries besides its path, signed as S3 signs a
 * presigned `PUT`: who may send, what, how much and until when.
 */
export interface UploadGrant {
  type: string;
  size: number;
  expiresAt: number;
  signature: string;
}

export class FileService {
  readonly limits: FileLimits;
  readonly #context: ServiceContext;
  readonly #store: FileStore;
  readonly #linkKey: Uint8Array;
  readonly #uploadExpirySeconds: number;
  readonly #downloadExpirySeconds: number;

  constructor(context: ServiceContext, options: FileServiceOptions) {
    if (options.linkKey.byteLength < 32) throw new TypeError('The file link key must be at least 32 bytes long.');
    this.limits = { ...defaultFileLimits, ...options.limits };
    for (const name of ['maxBytes', 'maxPerMessage'] as const) {
      if (!(Number.isSafeInteger(this.limits[name]) && this.limits[name] > 0)) {
        throw new TypeError(`File limit ${name} must be a positive integer, got ${this.limits[name]}.`);
      }
    }
    const volume = context.limits.settings.uploadVolume.capacity;
    if (uploadCost(this.limits.maxBytes) > volume) {
      throw new TypeError(
        `Rate limit uploadVolume.capacity (${volume} MiB) must hold one file of the largest size (maxBytes, ${this.limits.maxBytes} bytes).`,
      );
    }
    this.#context = context;
    this.#store = options.store;
    this.#linkKey = options.linkKey;
    this.#uploadExpirySeconds = options.uploadExpirySeconds ?? 900;
    this.#downloadExpirySeconds = options.downloadExpirySeconds ?? 300;
  }

  /**
   * Reserves an upload of `size` bytes of type `type` to the room. The size counts
   * towards the user's upload volume once it is allowed (`uploadVolume`), whether
   * the bytes come or not: what is reserved may be stored.
   * Errors: RATE_LIMITED, ROOM_NOT_FOUND, NOT_A_MEMBER, FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED, BAD_REQUEST.
   */
  async createUpload(userId: UserId, input: { roomId: RoomId; type: string; size: number }): Promise<NewUpload> {
    const context = this.#context;
    const type = normalizeType(input.type);
    // What the request alone shows wrong costs nothing; asking about a room reads the store, so it counts.
    if (!Number.isInteger(input.size) || input.size < 1) {
      throw new ChatError('BAD_REQUEST', 'size must be a whole number of bytes, 1 or more.');
    }
    if (input.size > this.limits.maxBytes) {
      throw new ChatError('FILE_TOO_LARGE', `Files are at most ${this.limits.maxBytes} bytes.`);
    }
    if (!this.limits.allowedTypes.includes(type)) {
      throw new ChatError('FILE_TYPE_NOT_ALLOWED', `Files of type ${JSON.stringify(type)} cannot be attached.`);
    }
    await context.limits.take('upload', userId);
    await context.requireMember(userId, input.roomId);
    await context.limits.take('uploadVolume', userId, uploadCost(input.size));
    const id = randomUUID();
    const expiresInSeconds = this.#uploadExpirySeconds;
    const expiresAt = context.clock.now() + expiresInSeconds * 1000;
    const upload = (await this.#store.uploadTarget(uploadKey(input.roomId, userId, id), {
      type,
      size: input.size,
      expiresInSeconds,
    })) ?? {
      method: 'PUT',
      url: this.#signedUploadPath(input.roomId, userId, id, { type, size: input.size, expiresAt }),
      headers: { 'content-type': type },
    };
    return { id, upload, expiresAt };
  }

  /**
   * Stores the bytes of an upload that goes through the chat (`upload.url` is the
   * chat's own): only with the URL `createUpload` gave this user, before it
   * expires, of the type it names, refused as soon as the bytes pass the size
   * it names or their first bytes disagree with the type.
   * Errors: FILE_NOT_FOUND (not an upload URL of this user, or expired), ROOM_NOT_FOUND, NOT_A_MEMBER,
   * FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED.
   */
  async receiveUpload(
    userId: UserId,
    upload: { roomId: RoomId; fileId: string; declaredType: string; grant: UploadGrant },
    body: Readable,
  ): Promise<void> {
    const { grant } = upload;
    const signed = this.#sign([
      'upload',
      upload.roomId,
      userId,
      upload.fileId,
      grant.type,
      grant.size,
      grant.expiresAt,
    ]);
    if (!fileIdPattern.test(upload.fileId) || !this.#valid(signed, grant.signature, grant.expiresAt)) {
      throw new ChatError('FILE_NOT_FOUND', 'The upload URL is not valid, or has expired.');
    }
    if (normalizeType(upload.declaredType) !== grant.type) {
      throw new ChatError('FILE_TYPE_NOT_ALLOWED', `Send the file as ${grant.type}, as announced.`);
    }
    await this.#context.requireMember(userId, upload.roomId);
    const key = uploadKey(upload.roomId, userId, upload.fileId);
    await this.#store.write(key, body, grant.size);
    try {
      const stored = await this.#store.inspect(key, SNIFF_BYTES);
      if (!stored) throw new ChatError('FILE_NOT_FOUND');
      checkContent(upload.declaredType, stored.head, this.limits.allowedTypes);
    } catch (error) {
      await this.#store.delete(key);
      throw error;
    }
  }

  /**
   * The attachments of a message `userId` is sending to `roomId` with
   * `clientMessageId`: each one an upload of theirs to that room, of an allowed
   * size, whose first bytes agree with its type. One file belongs to one message,
   * as deleting the message deletes the file: the first send that names an upload
   * takes it (`claimUploads`, atomic in the store, so of two sends naming it at once
   * one gets it), and another send is refused it, even while the first is still
   * being stored; a repeat of the same send (same client message id) takes it again.
   * A send takes all its files or none, so a refused one leaves the others free.
   * Errors: TOO_MANY_ATTACHMENTS, FILE_NOT_FOUND, FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED, BAD_REQUEST.
   */
  async attachments(
    userId: UserId,
    roomId: RoomId,
    inputs: readonly AttachmentInput[],
    clientMessageId: string | null,
  ): Promise<Attachment[]> {
    if (inputs.length > this.limits.maxPerMessage) {
      throw new ChatError('TOO_MANY_ATTACHMENTS', `At most ${this.limits.maxPerMessage} files per message.`);
    }
    if (new Set(inputs.map(({ id }) => id)).size !== inputs.length) {
      throw new ChatError('BAD_REQUEST', 'A file is attached twice.');
    }
    const attachments = await Promise.all(
      inputs.map(async (input): Promise<Attachment> => {
        if (!fileIdPattern.test(input.id)) throw new ChatError('FILE_NOT_FOUND');
        const stored =
          (await this.#store.inspect(uploadKey(roomId, userId, input.id), SNIFF_BYTES)) ??
          (await this.#attachedByThisSend(roomId, userId, input.id, clientMessageId));
        if (!stored) throw new ChatError('FILE_NOT_FOUND', `No upload ${input.id} of yours in this room.`);
        if (stored.size > this.limits.maxBytes) throw new ChatError('FILE_TOO_LARGE');
        const type = checkContent(input.type, stored.head, this.limits.allowedTypes);
        return {
          id: input.id,
          name: safeFileName(input.name),
          size: stored.size,
          type,
          ...imageDimensions(type, stored.head),
        };
      }),
    );
    if (attachments.length > 0) {
      const fileIds = inputs.map(({ id }) => id);
      const claim = { roomId, authorId: userId, fileIds, clientMessageId, at: this.#context.clock.now() };
      const refused = await this.#context.store.claimUploads(claim);
      if (refused !== undefined) throw attachedElsewhere(refused);
    }
    return attachments;
  }

  /**
   * The attached file `fileId`, when the earlier try of this send (same client message id)
   * attached it; it also keeps files attached before uploads were claimed to their message.
   */
  async #attachedByThisSend(roomId: RoomId, userId: UserId, fileId: string, clientMessageId: string | null) {
    const attached = await this.#store.inspect(fileKey(roomId, userId, fileId), SNIFF_BYTES);
    if (!attached) return undefined;
    const earlier =
      clientMessageId === null
        ? undefined
        : await this.#context.store.getMessageByClientId(roomId, userId, clientMessageId);
    if (!earlier?.attachments.some(({ id }) => id === fileId)) {
      throw attachedElsewhere(fileId);
    }
    return attached;
  }

  /** Moves a stored message's uploads to their attached keys (a retry finds them moved already). */
  async commit(message: Message): Promise<void> {
    await Promise.all(
      message.attachments.map(async ({ id }) => {
        const pending = uploadKey(message.roomId, message.authorId, id);
        if (await this.#store.inspect(pending, 0)) {
          await this.#store.move(pending, fileKey(message.roomId, message.authorId, id));
        }
      }),
    );
  }

  /** Deletes the files of a message that was deleted (`message` as it was before). */
  async forget(message: Message): Promise<void> {
    await Promise.all(
      message.attachments.map(({ id }) => this.#store.delete(fileKey(message.roomId, message.authorId, id))),
    );
  }

  /**
   * A short-lived URL of a file on a message the user may read: images inline,
   * everything else as a download.
   * Errors: MESSAGE_NOT_FOUND (also in a room the user is not a member of), FILE_NOT_FOUND (also once deleted).
   */
  async link(userId: UserId, messageId: MessageId, fileId: string): Promise<FileLink> {
    const context = this.#context;
    const message = await context.store.getMessage(messageId);
    // A message in a room the caller cannot read does not exist for them.
    if (!message || !(await context.store.getMembership(message.roomId, userId))) {
      throw new ChatError('MESSAGE_NOT_FOUND');
    }
    const attachment = message.attachments.find(({ id }) => id === fileId);
    if (!attachment || message.deletedAt !== null) throw new ChatError('FILE_NOT_FOUND');
    const expiresInSeconds = this.#downloadExpirySeconds;
    const expiresAt = context.clock.now() + expiresInSeconds * 1000;
    const url =
      (await this.#store.downloadUrl(fileKey(message.roomId, message.authorId, fileId), {
        ...servingOf(attachment),
        expiresInSeconds,
      })) ?? this.#signedPath(messageId, fileId, expiresAt);
    return { url, expiresAt };
  }

  /**
   * The file behind a link this service signed, while the link is valid and the
   * message still holds the file. Errors: FILE_NOT_FOUND (for every refusal:
   * a bad or expired signature says nothing about the file).
   */
  async open(messageId: MessageId, fileId: string, expiresAt: number, signature: string): Promise<ServedFile> {
    if (!this.#valid(this.#sign(['download', messageId, fileId, expiresAt]), signature, expiresAt)) {
      throw new ChatError('FILE_NOT_FOUND', 'The link is not valid, or has expired.');
    }
    const message = await this.#context.store.getMessage(messageId);
    const attachment = message?.deletedAt === null ? message.attachments.find(({ id }) => id === fileId) : undefined;
    if (!message || !attachment) throw new ChatError('FILE_NOT_FOUND');
    const stored = await this.#store.read(fileKey(message.roomId, message.authorId, fileId));
    if (!stored) throw new ChatError('FILE_NOT_FOUND');
    return { attachment, ...stored };
  }

  #signedPath(messageId: MessageId, fileId: string, expiresAt: number): string {
    const signature = this.#sign(['download', messageId, fileId, expiresAt]).toString('base64url');
    return `/api/files/${encodeURIComponent(messageId)}/${fileId}/content?expires=${expiresAt}&signature=${signature}`;
  }

  #signedUploadPath(roomId: RoomId, userId: UserId, fileId: string, file: Omit<UploadGrant, 'signature'>): string {
    const signature = this.#sign(['upload', roomId, userId, fileId, file.type, file.size, file.expiresAt]);
    const query = new URLSearchParams({
      type: file.type,
      size: String(file.size),
      expires: String(file.expiresAt),
      signature: signature.toString('base64url'),
    });
    return `/api/files/uploads/${encodeURIComponent(roomId)}/${fileId}?${query}`;
  }

  /** An HMAC of the parts; the first names what it allows, so a download link never passes as an upload URL. */
  #sign(parts: ReadonlyArray<string | number>): Buffer {
    return createHmac('sha256', this.#linkKey).update(parts.join('\n')).digest();
  }

  #valid(expected: Buffer, signature: string, expiresAt: number): boolean {
    const given = Buffer.from(signature, 'base64url');
    return (
      given.length === expected.length && timingSafeEqual(given, expected) && expiresAt > this.#context.clock.now()
    );
  }
}

/** How a file is served: images inline (never SVG: it is not an allowed type), everything else as a download. */
export function servingOf(attachment: Attachment): Omit<DownloadOptions, 'expiresInSeconds'> {
  return { name: attachment.name, type: attachment.type, attachment: !imageTypes.has(attachment.type) };
}

/** Where uploads wait for their message: what is still there after a day was never sent (docs/operations.md, "Files"). */
export const UPLOADS_PREFIX = 'uploads';

function attachedElsewhere(fileId: string): ChatError {
  return new ChatError('FILE_NOT_FOUND', `File ${fileId} is attached to another message: upload it again.`);
}

/** What an upload of `size` bytes costs of `uploadVolume`: MiB, rounded up. */
function uploadCost(size: number): number {
  return Math.ceil(size / (1024 * 1024));
}

function uploadKey(roomId: RoomId, userId: UserId, fileId: string): string {
  return `${UPLOADS_PREFIX}/${segment(roomId)}/${segment(userId)}/${fileId}`;
}

function fileKey(roomId: RoomId, userId: UserId, fileId: string): string {
  return `files/${segment(roomId)}/${segment(userId)}/${fileId}`;
}

/** Any id as one key segment of `[A-Za-z0-9._%-]` (direct conversations' ids hold `:`). */
function segment(id: string): string {
  return encodeURIComponent(id).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
