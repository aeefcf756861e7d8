/**
 * Messages: sending (idempotent by client message id), editing and deleting
 * one's own messages, history pages, and catch-up of missed room events.
 */
import { randomUUID } from 'node:crypto';
import { AnswerBudget } from '../answer-budget.ts';
import type { AttachmentInput } from '../attachments.ts';
import { checkClientMessageId } from '../client-message-id.ts';
import { ChatError, isChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { fittedPage } from '../message-page.ts';
import { pageLimit } from '../page-limit.ts';
import { mayPost } from '../room-permissions.ts';
import { normalizeMessageText } from '../text.ts';
import type {
  CatchUpResult,
  ConnectionId,
  HistoryPage,
  Message,
  MessageEvent,
  RoomCatchUp,
  RoomId,
  UserId,
} from '../types.ts';
import type { ServiceContext } from './context.ts';
import type { FileService } from './files.ts';
import { resolveMentions } from './mentions.ts';

export interface SendMessageInput {
  roomId: RoomId;
  text: string;
  clientMessageId: string;
  /** Uploaded files to attach (use-cases/files.ts); with some, `text` may be empty. @default [] */
  attachments?: readonly AttachmentInput[];
}

export interface SendMessageResult {
  message: Message;
  /** The clientMessageId had been stored before: this is the original message, nothing was written. */
  duplicate: boolean;
}

export class MessageService {
  readonly #context: ServiceContext;
  readonly #files: FileService | undefined;

  /** Without `files`, a message with attachments is refused (`FILES_NOT_ENABLED`). */
  constructor(context: ServiceContext, files?: FileService) {
    this.#context = context;
    this.#files = files;
  }

  /**
   * Stores a message and broadcasts it; resolves only once it is durable. A retry
   * with the same `clientMessageId` (same sender and room) returns the original
   * message with `duplicate: true` and writes nothing, even if the text differs.
   * `@username` and `@room` mentions are resolved and stored with it (use-cases/mentions.ts).
   * Errors: EMPTY_MESSAGE, MESSAGE_TOO_LONG, BAD_REQUEST, RATE_LIMITED, ROOM_NOT_FOUND, NOT_A_MEMBER,
   * ROOM_READ_ONLY, ROOM_MENTION_NOT_ALLOWED, STORE_UNAVAILABLE, and for attachments FILES_NOT_ENABLED,
   * TOO_MANY_ATTACHMENTS, FILE_NOT_FOUND, FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED.
   */
  async sendMessage(userId: UserId, input: SendMessageInput, origin?: ConnectionId): Promise<SendMessageResult> {
    const context = this.#context;
    const files = input.attachments ?? [];
    if (files.length > 0 && !this.#files) throw new ChatError('FILES_NOT_ENABLED');
    const text = files.length > 0 ? attachedText(input.text) : normalizeMessageText(input.text);
    const clientMessageId = input.clientMessageId;
    checkClientMessageId(clientMessageId);
    await context.limits.take('message', userId);
    const { room, membership, user: author } = await context.requireMemberAndUser(userId, input.roomId);
    if (!mayPost(room, membership)) throw new ChatError('ROOM_READ_ONLY');
    const mentions = await resolveMentions(context, room, membership, text);
    const attachments =
      files.length > 0 ? await this.#files!.attachments(userId, input.roomId, files, clientMessageId) : [];
    const { message, event, created } = await context.store.appendMessage({
      id: randomUUID(),
      roomId: input.roomId,
      authorId: userId,
      authorName: author.username,
      text,
      clientMessageId,
      at: context.clock.now(),
      authorGuest: author.guest,
      ...(mentions && { mentions }),
      attachments,
    });
    // Also for a duplicate: the first try may have stopped between storing the message and this.
    if (message.attachments.length > 0) await this.#files!.commit(message);
    if (created) await context.publish(input.roomId, event, origin);
    return { message, duplicate: !created };
  }

  /** Errors: EMPTY_MESSAGE, MESSAGE_TOO_LONG, RATE_LIMITED, MESSAGE_NOT_FOUND, NOT_YOUR_MESSAGE, MESSAGE_DELETED. */
  async editMessage(userId: UserId, messageId: string, newText: string, origin?: ConnectionId): Promise<MessageEvent> {
    const context = this.#context;
    const text = normalizeMessageText(newText);
    await context.limits.take('edit', userId);
    await context.requireOwnMessage(userId, messageId);
    const event = await context.store.editMessage(messageId, text, context.clock.now());
    if (!event) throw new ChatError('MESSAGE_DELETED');
    await context.publish(event.roomId, event, origin);
    return event;
  }

  /**
   * Deletes one's own message, or as the room's owner or an admin anyone's (the
   * tombstone then says `removedByModerator`).
   * Errors: RATE_LIMITED (shared with edits), MESSAGE_NOT_FOUND, NOT_YOUR_MESSAGE, MESSAGE_DELETED.
   */
  async deleteMessage(userId: UserId, messageId: string, origin?: ConnectionId): Promise<MessageEvent> {
    const context = this.#context;
    await context.limits.take('edit', userId);
    const message = await context.requireModeratableMessage(userId, messageId);
    const byModerator = message.authorId !== userId;
    const event = await context.store.deleteMessage(messageId, context.clock.now(), { byModerator });
    if (!event) throw new ChatError('MESSAGE_DELETED');
    if (byModerator) {
      const author = { id: message.authorId, username: message.authorName };
      await context.recordModeration(userId, message.roomId, 'messageRemoved', author, message.id);
    }
    await context.publish(event.roomId, event, origin);
    if (message.attachments.length > 0) {
      // The message no longer names them, so nobody gets a link: a failure here leaves bytes, not access.
      await this.#files?.forget(message).catch((error: unknown) => {
        context.logger.warn({ err: error, messageId }, 'chat: deleting the files of a deleted message failed');
      });
    }
    return event;
  }

  /**
   * A page of history: the `limit` newest messages with `seq < before` (the newest
   * overall without `before`), returned oldest first, fewer when they would not
   * fit in one frame (the newest are kept); deleted messages appear as
   * tombstones. Load older pages with `before = messages[0].seq` while `hasMore`.
   * Errors: RATE_LIMITED (reads), ROOM_NOT_FOUND, NOT_A_MEMBER, BAD_REQUEST.
   */
  async history(
    userId: UserId,
    roomId: RoomId,
    options: { before?: number; limit?: number } = {},
  ): Promise<HistoryPage> {
    const limit = pageLimit(options.limit, ChatLimits.historyDefaultLimit, ChatLimits.historyMaxLimit);
    await this.#context.limits.take('read', userId);
    await this.#context.requireMember(userId, roomId);
    return fittedPage(roomId, await this.#context.store.listMessages(roomId, { beforeSeq: options.before, limit }));
  }

  /**
   * Everything missed since the client's last sequence number per room, in order,
   * with no gap and no duplicate; at most `ChatLimits.catchUpPageSize` events per
   * room per call, and no more than fit in one frame: the rooms are filled in the
   * order asked, and once the frame is full the remaining rooms come with no
   * events and `hasMore` when they have news (ask again from the last `seq`
   * applied). Rooms the user cannot read are listed in `notMember`.
   * Errors: BAD_REQUEST, RATE_LIMITED (reads).
   */
  async catchUp(userId: UserId, rooms: ReadonlyArray<{ roomId: RoomId; lastSeq: number }>): Promise<CatchUpResult> {
    const { store } = this.#context;
    if (rooms.length > ChatLimits.catchUpMaxRooms) {
      throw new ChatError('BAD_REQUEST', `At most ${ChatLimits.catchUpMaxRooms} rooms per catch-up.`);
    }
    await this.#context.limits.take('read', userId);
    const budget = new AnswerBudget();
    const result: CatchUpResult = { rooms: [], notMember: [] };
    budget.take(result);
    // First every room's entry (small, bounded by the request), so the events that follow never crowd one out.
    const wanted: Array<{ entry: RoomCatchUp; after: number }> = [];
    const seen = new Set<RoomId>();
    for (const { roomId, lastSeq } of rooms) {
      if (seen.has(roomId)) continue;
      seen.add(roomId);
      const [membership, room] = await Promise.all([store.getMembership(roomId, userId), store.getRoom(roomId)]);
      if (!membership || !room) {
        result.notMember.push(roomId);
        budget.take(roomId);
        continue;
      }
      const after = Math.max(0, lastSeq);
      const entry: RoomCatchUp = { roomId, events: [], lastSeq: room.lastSeq, hasMore: room.lastSeq > after };
      budget.take(entry);
      result.rooms.push(entry);
      wanted.push({ entry, after });
    }
    for (const { entry, after } of wanted) {
      if (!entry.hasMore) continue;
      const events = await store.listEvents(entry.roomId, after, ChatLimits.catchUpPageSize + 1);
      const { taken, cut } = budget.takeWhile(events.slice(0, ChatLimits.catchUpPageSize));
      entry.events = taken;
      entry.hasMore = cut || events.length > ChatLimits.catchUpPageSize;
      // Events written since the room was read: the head is at least the last one sent.
      entry.lastSeq = Math.max(entry.lastSeq, taken.at(-1)?.seq ?? 0);
      // The frame is full: later rooms keep `hasMore` (when they have news) and no events.
      if (cut) break;
    }
    return result;
  }
}

/** The text beside attachments: may be empty, otherwise the usual rules. */
function attachedText(input: string): string {
  try {
    return normalizeMessageText(input);
  } catch (error) {
    if (isChatError(error, 'EMPTY_MESSAGE')) return '';
    throw error;
  }
}
