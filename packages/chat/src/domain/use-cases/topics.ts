/**
 * Room topics: one line about a room, set by its owner or an admin
 * (domain/room-permissions.ts); `general` (no owner) and direct conversations have none. Every change is a `topicChanged` room event,
 * so members who were away learn it from catch-up.
 */
import { ChatError } from '../errors.ts';
import { maySetTopic } from '../room-permissions.ts';
import { normalizeTopic } from '../text.ts';
import type { ConnectionId, RoomEvent, RoomId, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export interface TopicResult {
  /** The topic as stored; `null` when cleared. */
  topic: string | null;
  /** The `topicChanged` event; `null` when the topic already was that (nothing was written). */
  event: RoomEvent | null;
}

export class TopicService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Sets the topic (an empty one clears it).
   * Errors: TOPIC_TOO_LONG, UNSAFE_TEXT, RATE_LIMITED (shared with edits), ROOM_NOT_FOUND,
   * NOT_A_MEMBER, DIRECT_CONVERSATION, NOT_ROOM_MODERATOR.
   */
  async setTopic(userId: UserId, roomId: RoomId, input: string, origin?: ConnectionId): Promise<TopicResult> {
    const context = this.#context;
    const topic = normalizeTopic(input);
    await context.limits.take('edit', userId);
    const { room, membership } = await context.requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION', 'Direct conversations have no topic.');
    if (!maySetTopic(room, membership)) throw new ChatError('NOT_ROOM_MODERATOR');
    const event = await context.store.setRoomTopic(roomId, topic, userId, context.clock.now());
    if (event) await context.publish(roomId, event, origin);
    return { topic, event };
  }
}
