/**
 * Mentions in message text: `@username` names a member of the room, `@room`
 * everyone in it. The service resolves the names when a message is sent
 * (use-cases/messages.ts) and stores the result with the message; an edit keeps
 * them, so nobody is notified twice, or "un-notified", by an edit.
 */
import { ChatLimits } from './limits.ts';
import type { MessageMentions } from './types.ts';

/** What `@room` is spelled as; a user named `room` cannot be mentioned by name. */
export const ROOM_MENTION = 'room';

/** The stored form of `@room` among the mentioned user ids (store indexes; user ids never equal it). */
export const ROOM_MENTION_KEY = '*';

/**
 * An `@` that starts a word (not an e-mail address's), then a username's
 * characters (domain/names.ts); a trailing `.` or `-` ends the sentence, not the name.
 */
const mentionPattern = /(?<![\p{L}\p{N}_.@-])@([a-z0-9][a-z0-9_.-]*)/giu;

export interface MentionCandidates {
  /** Lower-case names, each once, in order, at most `ChatLimits.mentionsMaxPerMessage`. */
  usernames: string[];
  room: boolean;
}

/**
 * The names a text mentions, before they are checked against the room's
 * members. Names past `ChatLimits.mentionsMaxPerMessage` are ignored, so a
 * message costs a bounded number of look-ups.
 * @example mentionCandidates('hi @Ada and @room.') // { usernames: ['ada'], room: true }
 */
export function mentionCandidates(text: string): MentionCandidates {
  const usernames = new Set<string>();
  let room = false;
  for (const match of text.matchAll(mentionPattern)) {
    const name = (match[1] as string).toLowerCase().replace(/[.-]+$/, '');
    if (name === ROOM_MENTION) room = true;
    else if (name.length >= 3 && name.length <= 24 && usernames.size < ChatLimits.mentionsMaxPerMessage) {
      usernames.add(name);
    }
  }
  return { usernames: [...usernames], room };
}

/** The ids a store indexes a message's mentions under: the users', and `ROOM_MENTION_KEY` for `@room`. */
export function mentionKeys(mentions: MessageMentions | undefined): string[] {
  if (!mentions) return [];
  const ids = mentions.users.map((user) => user.id);
  return mentions.room ? [...ids, ROOM_MENTION_KEY] : ids;
}
