/**
 * Page cursors: where the next page of a listing starts, handed to clients as
 * opaque strings (base64url of a small JSON array) and given back in the next
 * request. A cursor holds only the key of the last entry sent, never a
 * permission: every page is authorised like the first, so a forged cursor only
 * starts a listing elsewhere. A cursor that does not decode is `BAD_REQUEST`.
 */
import { ChatError } from './errors.ts';
import { ChatLimits } from './limits.ts';

/** What a cursor continues, and the key it holds. */
export type Cursor =
  /** `members` after this member. */
  | { list: 'members'; username: string; id: string }
  /** `online` after this user. */
  | { list: 'online'; username: string; id: string }
  /** `bans`: the room's bans after this user id. */
  | { list: 'bans'; after: string }
  /** `listRooms`: the user's rooms after this room id, then the directory (unless `only`). */
  | { list: 'joined'; after: string; only: boolean }
  /** `listRooms`: the directory after this room name. */
  | { list: 'directory'; after: string }
  /** `findUsers`: users after this username (the query itself is sent again with each page). */
  | { list: 'users'; after: string }
  /**
   * `ping`: the user's rooms whose head moved after the time `from`, after the
   * room id `after` ('' at the start of a round); `to` is when the round began,
   * the `from` of the next one.
   */
  | { list: 'heads'; from: number; after: string; to: number }
  /** `auditLog`: entries older than this one (time, then id). */
  | { list: 'audit'; at: number; id: string };

export function encodeCursor(cursor: Cursor): string {
  const fields =
    cursor.list === 'joined'
      ? [cursor.list, cursor.after, cursor.only ? 1 : 0]
      : cursor.list === 'directory' || cursor.list === 'users' || cursor.list === 'bans'
        ? [cursor.list, cursor.after]
        : cursor.list === 'heads'
          ? [cursor.list, cursor.from, cursor.after, cursor.to]
          : cursor.list === 'audit'
            ? [cursor.list, cursor.at, cursor.id]
            : [cursor.list, cursor.username, cursor.id];
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

/** The cursor, if it is one of the `lists` expected here; otherwise `BAD_REQUEST`. */
export function decodeCursor<L extends Cursor['list']>(text: string, ...lists: L[]): Extract<Cursor, { list: L }> {
  const cursor = parse(text);
  if (!cursor || !(lists as string[]).includes(cursor.list)) {
    throw new ChatError('BAD_REQUEST', 'The cursor is not one this request gave out.');
  }
  return cursor as Extract<Cursor, { list: L }>;
}

function parse(text: string): Cursor | undefined {
  if (text.length > ChatLimits.cursorMaxLength) return undefined;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields)) return undefined;
  const [list, a, b, c] = fields as unknown[];
  if (list === 'heads') {
    return fields.length === 4 && isTime(a) && typeof b === 'string' && isTime(c)
      ? { list, from: a, after: b, to: c }
      : undefined;
  }
  if (list === 'audit') {
    return fields.length === 3 && isTime(a) && typeof b === 'string' ? { list, at: a, id: b } : undefined;
  }
  if (typeof a !== 'string') return undefined;
  switch (list) {
    case 'members':
    case 'online':
      return typeof b === 'string' ? { list, username: a, id: b } : undefined;
    case 'joined':
      return b === 0 || b === 1 ? { list, after: a, only: b === 1 } : undefined;
    case 'directory':
    case 'users':
    case 'bans':
      return fields.length === 2 ? { list, after: a } : undefined;
    default:
      return undefined;
  }
}

/** A time in a cursor: ms since the epoch, a safe integer. */
function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
