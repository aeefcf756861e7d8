/**
 * Mentions as the web client sees them: whether a message mentions the user,
 * the `@name` being typed at the caret (for the composer's suggestions), and a
 * message's text cut into plain runs and the mentions the server resolved (for
 * highlighting). The server decides what is a mention (docs/protocol.md,
 * "Mentions"); the client only shows it.
 */
import { type Message, ROOM_MENTION, type UserId } from '@switchboard/chat/api';

/** The message mentions `userId` by name or with `@room`. */
export function mentionsUser(message: Message, userId: UserId | undefined): boolean {
  const { mentions } = message;
  if (mentions === undefined || userId === undefined || message.deletedAt !== null) return false;
  return mentions.room || mentions.users.some((user) => user.id === userId);
}

/** An `@name` being typed: where its `@` is and what follows it up to the caret. */
export interface MentionQuery {
  start: number;
  query: string;
}

/** The `@name` that ends at `caret`, if the word there starts with `@` (not an e-mail address). */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  const match = /(^|[^\p{L}\p{N}_.@-])@([a-z0-9_.-]{0,24})$/iu.exec(text.slice(0, caret));
  if (match === null) return null;
  const query = match[2] as string;
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}

/** A run of a message's text: plain, or a mention (`me`: of the reader, by name or `@room`). */
export type TextRun = { text: string; mention: false } | { text: string; mention: true; me: boolean };

/** Case-insensitive `@name` words, as the server reads them. */
const mentionWord = /(?<![\p{L}\p{N}_.@-])@([a-z0-9][a-z0-9_.-]*)/giu;

/** The text cut at the mentions the server resolved; one plain run when there are none. */
export function mentionRuns(message: Message, me: UserId | undefined): TextRun[] {
  return mentionRunsIn(message.text, message, me);
}

/** `text`, a part of the message's text (one formatted span), cut at the mentions the server resolved. */
export function mentionRunsIn(text: string, message: Message, me: UserId | undefined): TextRun[] {
  const { mentions } = message;
  if (mentions === undefined) return [{ text, mention: false }];
  const names = new Map(mentions.users.map((user) => [user.username, user.id === me]));
  // `@room` is a mention of everyone but its author.
  if (mentions.room) names.set(ROOM_MENTION, message.authorId !== me);
  const runs: TextRun[] = [];
  let plainFrom = 0;
  for (const match of text.matchAll(mentionWord)) {
    const name = (match[1] as string).toLowerCase().replace(/[.-]+$/, '');
    const mine = names.get(name);
    if (mine === undefined) continue;
    const start = match.index;
    const end = start + name.length + 1;
    if (start > plainFrom) runs.push({ text: text.slice(plainFrom, start), mention: false });
    runs.push({ text: text.slice(start, end), mention: true, me: mine });
    plainFrom = end;
  }
  if (plainFrom < text.length) runs.push({ text: text.slice(plainFrom), mention: false });
  return runs;
}
