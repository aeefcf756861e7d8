/**
 * Resolving a message's mentions when it is sent or replied in a thread:
 * `@username` counts only for a current member of the room (never the author),
 * `@room` only from someone allowed to notify the whole room (room-permissions.ts).
 */
import { ChatError } from '../errors.ts';
import { mentionCandidates } from '../mentions.ts';
import { mayMentionRoom } from '../room-permissions.ts';
import type { Membership, MessageMentions, Room, UserRef } from '../types.ts';
import type { ServiceContext } from './context.ts';

/**
 * Who `text`, written by the member `author` of `room`, mentions; `undefined`
 * when nobody. At most `ChatLimits.mentionsMaxPerMessage` names are looked up
 * (two reads each). Errors: ROOM_MENTION_NOT_ALLOWED.
 */
export async function resolveMentions(
  context: ServiceContext,
  room: Room,
  author: Membership,
  text: string,
): Promise<MessageMentions | undefined> {
  const candidates = mentionCandidates(text);
  if (candidates.room && !mayMentionRoom(room, author)) throw new ChatError('ROOM_MENTION_NOT_ALLOWED');
  const authorId = author.userId;
  const found = await Promise.all(
    candidates.usernames.map(async (username): Promise<UserRef | undefined> => {
      const user = await context.store.getUserByUsername(username);
      if (!user || user.id === authorId) return undefined;
      const membership = await context.store.getMembership(room.id, user.id);
      return membership && { id: user.id, username: user.username };
    }),
  );
  const users = found.filter((user) => user !== undefined);
  return users.length > 0 || candidates.room ? { users, room: candidates.room } : undefined;
}
