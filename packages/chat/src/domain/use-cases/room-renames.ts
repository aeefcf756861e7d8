/**
 * Renaming rooms: the owner or an admin (domain/room-permissions.ts) gives a room
 * another name, under `createRoom`'s rules and uniqueness; the old name is free at
 * once. Every rename is a `roomRenamed` room event, so members who were away learn
 * it from catch-up, and links to the room keep working (they name its id).
 * `general` has no owner, so it keeps its name (new accounts join it by name), and
 * direct conversations have none.
 */
import { ChatError } from '../errors.ts';
import { normalizeRoomName } from '../names.ts';
import { mayRename } from '../room-permissions.ts';
import type { ConnectionId, RoomEvent, RoomId, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export interface RenameResult {
  /** The name as stored. */
  name: string;
  /** The `roomRenamed` event; `null` when the room already had that name (nothing was written). */
  event: RoomEvent | null;
}

export class RoomRenameService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Errors: INVALID_ROOM_NAME, RATE_LIMITED (shared with edits), ROOM_NOT_FOUND, NOT_A_MEMBER,
   * DIRECT_CONVERSATION, NOT_ROOM_MODERATOR, ROOM_NAME_TAKEN.
   */
  async renameRoom(userId: UserId, roomId: RoomId, input: string, origin?: ConnectionId): Promise<RenameResult> {
    const context = this.#context;
    const name = normalizeRoomName(input);
    await context.limits.take('edit', userId);
    const { room, membership } = await context.requireMember(userId, roomId);
    if (room.kind === 'direct')
      throw new ChatError('DIRECT_CONVERSATION', 'Direct conversations have no name to change.');
    if (!mayRename(room, membership)) throw new ChatError('NOT_ROOM_MODERATOR');
    const event = await context.store.renameRoom(roomId, name, userId, context.clock.now());
    if (event) await context.publish(roomId, event, origin);
    return { name, event };
  }
}
