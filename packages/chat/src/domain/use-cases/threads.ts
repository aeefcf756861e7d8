/**
 * Threads, one level deep (as Slack's): any member of a room may reply to a
 * message of it in a thread, optionally also sending the reply to the room's
 * timeline. A reply is a room event like a send (`message`, carrying
 * `threadRootId`), followed by the root's `threadUpdated` event with its new
 * reply count and last reply time, so catch-up restores threads exactly as it
 * restores edits. A thread is read in its own pages (`thread`), and each user
 * has a read position per thread they follow (replied in, opened, wrote the
 * root of, or were mentioned in), from which clients show unread threads.
 */
import { randomUUID } from 'node:crypto';
import { AnswerBudget } from '../answer-budget.ts';
import { checkClientMessageId } from '../client-message-id.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { pageLimit } from '../page-limit.ts';
import { mayPost } from '../room-permissions.ts';
import { normalizeMessageText } from '../text.ts';
import type {
  ConnectionId,
  Membership,
  Message,
  MessageId,
  Room,
  RoomId,
  ThreadPage,
  ThreadRead,
  UserId,
} from '../types.ts';
import type { ServiceContext } from './context.ts';
import { resolveMentions } from './mentions.ts';

export interface ReplyInput {
  rootId: MessageId;
  text: string;
  clientMessageId: string;
  /** @default false */
  alsoToRoom?: boolean;
}

export interface ReplyOutcome {
  message: Message;
  root: Message;
  /** The clientMessageId had been stored before: this is the original message, nothing was written. */
  duplicate: boolean;
}

export interface ThreadReadState {
  roomId: RoomId;
  rootId: MessageId;
  lastReadSeq: number;
}

export interface ThreadList {
  roomId: RoomId;
  threads: ThreadRead[];
  hasMore: boolean;
}

export class ThreadService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Stores a reply in the root's thread and broadcasts its two events; resolves
   * once durable. Rate-limited with sends, idempotent by `clientMessageId` as sends are.
   * Its mentions are resolved as a send's (use-cases/mentions.ts), and each member
   * it names follows the thread (see `#followMentioned`).
   * Errors: EMPTY_MESSAGE, MESSAGE_TOO_LONG, UNSAFE_TEXT, BAD_REQUEST, RATE_LIMITED, MESSAGE_NOT_FOUND,
   * NOT_A_MEMBER, ROOM_READ_ONLY, NOT_A_THREAD_ROOT, MESSAGE_DELETED, ROOM_MENTION_NOT_ALLOWED, STORE_UNAVAILABLE.
   */
  async reply(userId: UserId, input: ReplyInput, origin?: ConnectionId): Promise<ReplyOutcome> {
    const context = this.#context;
    const text = normalizeMessageText(input.text);
    const { clientMessageId } = input;
    checkClientMessageId(clientMessageId);
    await context.limits.take('message', userId);
    // The room, the membership and the author in one store read, as a send reads them.
    const {
      root,
      room,
      membership,
      user: author,
    } = await this.#root(input.rootId, (roomId) => context.requireMemberAndUser(userId, roomId));
    // A reply is a post: a read-only room takes it from its owner and admins only, as a send.
    if (!mayPost(room, membership)) throw new ChatError('ROOM_READ_ONLY');
    const mentions = await resolveMentions(context, room, membership, text);
    const result = await context.store.appendReply({
      id: randomUUID(),
      roomId: root.roomId,
      rootId: root.id,
      alsoToRoom: input.alsoToRoom ?? false,
      authorId: userId,
      authorName: author.username,
      text,
      clientMessageId,
      at: context.clock.now(),
      authorGuest: author.guest,
      ...(mentions && { mentions }),
    });
    if (result.created) {
      for (const event of result.events) await context.publish(root.roomId, event, origin);
      // The replier follows the thread, having read it up to their reply; the root's author follows it from the first reply.
      await this.#follow(userId, result.root, result.message.seq);
      if (result.root.thread?.replyCount === 1 && result.root.authorId !== userId) {
        await this.#follow(result.root.authorId, result.root, result.root.seq);
      }
      await this.#followMentioned(result.message, result.root);
    }
    return { message: result.message, root: result.root, duplicate: !result.created };
  }

  /**
   * The root and a page of its replies: the `limit` newest with `seq < before`,
   * oldest first, fewer when they would not fit in one frame with the root (the
   * newest are kept). A deleted root is answered as its tombstone.
   * Errors: RATE_LIMITED (reads), MESSAGE_NOT_FOUND, NOT_A_MEMBER, NOT_A_THREAD_ROOT, BAD_REQUEST.
   */
  async thread(
    userId: UserId,
    rootId: MessageId,
    options: { before?: number; limit?: number } = {},
  ): Promise<ThreadPage> {
    const limit = pageLimit(options.limit, ChatLimits.threadDefaultLimit, ChatLimits.threadMaxLimit);
    const { store, limits } = this.#context;
    await limits.take('read', userId);
    const { root } = await this.#root(rootId, (roomId) => this.#context.requireMember(userId, roomId));
    const [page, lastReadSeq = 0] = await Promise.all([
      store.listReplies(root, { beforeSeq: options.before, limit }),
      store.getThreadRead(userId, root),
    ]);
    const budget = new AnswerBudget();
    budget.take({ roomId: root.roomId, root, replies: [], hasMore: true, lastReadSeq });
    // Newest first, so a cut drops the oldest.
    const { taken, cut } = budget.takeWhile([...page.messages].reverse());
    return { roomId: root.roomId, root, replies: taken.reverse(), hasMore: page.hasMore || cut, lastReadSeq };
  }

  /**
   * Moves the caller's read position in the thread forward (capped at its
   * newest reply; never back), following the thread if they did not; when it
   * moved, tells the caller's other connections. Writes at most once per reply
   * of the thread, whatever a client sends.
   * Errors: MESSAGE_NOT_FOUND, NOT_A_MEMBER, NOT_A_THREAD_ROOT.
   */
  async markThreadRead(
    userId: UserId,
    rootId: MessageId,
    seq: number,
    origin?: ConnectionId,
  ): Promise<ThreadReadState> {
    const { store } = this.#context;
    const { root } = await this.#root(rootId, (roomId) => this.#context.requireMember(userId, roomId));
    const before = await store.getThreadRead(userId, root);
    const target = Math.max(root.seq, Math.min(seq, root.thread?.lastReplySeq ?? root.seq));
    const lastReadSeq = await store.markThreadRead(userId, root, target);
    const state: ThreadReadState = { roomId: root.roomId, rootId: root.id, lastReadSeq };
    if (before === undefined || lastReadSeq > before) {
      await this.#context.sendToUser(userId, { type: 'threadRead', ...state }, origin);
    }
    return state;
  }

  /**
   * The threads of the room the caller follows, the newest root first, as many
   * of `ChatLimits.threadsPageSize` as fit in one frame; then ask with `before` =
   * the last root's `seq` while `hasMore`.
   * Errors: RATE_LIMITED (reads), ROOM_NOT_FOUND, NOT_A_MEMBER.
   */
  async threads(userId: UserId, roomId: RoomId, options: { before?: number } = {}): Promise<ThreadList> {
    const { store, limits } = this.#context;
    await limits.take('read', userId);
    await this.#context.requireMember(userId, roomId);
    const size = ChatLimits.threadsPageSize;
    const fetched = await store.listThreadReads(userId, roomId, { beforeSeq: options.before, limit: size + 1 });
    const budget = new AnswerBudget();
    budget.take({ roomId, threads: [], hasMore: true });
    const { items, more } = budget.page(fetched, size);
    return { roomId, threads: items, hasMore: more };
  }

  /**
   * Records that `userId` follows the thread, read up to `seq` (a position
   * further on stays); with `announce`, their connections then hear the position
   * now stored as a `threadRead` frame. The reply is durable already: a failure
   * here is logged, never turned into a failed reply (the position moves again
   * with the next read or reply).
   */
  async #follow(userId: UserId, root: Message, seq: number, options: { announce?: boolean } = {}): Promise<void> {
    const context = this.#context;
    try {
      const lastReadSeq = await context.store.markThreadRead(userId, root, seq);
      if (options.announce) {
        await context.sendToUser(userId, { type: 'threadRead', roomId: root.roomId, rootId: root.id, lastReadSeq });
      }
    } catch (error) {
      context.logger.warn({ err: error, rootId: root.id }, 'chat: following a thread failed');
    }
  }

  /**
   * Each member a reply names (`@username`; `@room` makes nobody follow) follows
   * its thread, read up to its root when they did not follow it before, so it
   * shows unread until they open it. Their connections hear their position as a
   * `threadRead` frame, so clients need not know this rule. At most
   * `ChatLimits.mentionsMaxPerMessage` of them.
   */
  async #followMentioned(reply: Message, root: Message): Promise<void> {
    const named = reply.mentions?.users ?? [];
    await Promise.all(named.map(({ id }) => this.#follow(id, root, root.seq, { announce: true })));
  }

  /**
   * A thread root the caller may read: a message that is not a reply, in a room
   * they are a member of (`member`: the context's check of the caller in that
   * room). A message in a room the caller cannot see (a direct conversation of
   * others) does not exist for them; in a room they could join, they are told to
   * be a member.
   */
  async #root<M extends { room: Room; membership: Membership }>(
    rootId: MessageId,
    member: (roomId: RoomId) => Promise<M>,
  ): Promise<M & { root: Message }> {
    const root = await this.#context.store.getMessage(rootId);
    if (!root) throw new ChatError('MESSAGE_NOT_FOUND');
    let checked: M;
    try {
      checked = await member(root.roomId);
    } catch (error) {
      if (error instanceof ChatError && error.code === 'ROOM_NOT_FOUND') throw new ChatError('MESSAGE_NOT_FOUND');
      throw error;
    }
    if (root.threadRootId !== null) throw new ChatError('NOT_A_THREAD_ROOT');
    return { ...checked, root };
  }
}
