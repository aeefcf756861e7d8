/**
 * Who is typing in a room: each entry lives for the frame's `ttlMs` unless a new
 * `typing` frame refreshes it, and ends at once when the user's message arrives
 * (docs/protocol.md, "typing"). Pure functions; the caller owns the clock.
 */
import type { UserId, UserSummary } from '@switchboard/chat/api';

export interface Typist {
  user: UserSummary;
  expiresAt: number;
}

export function addTypist(typists: readonly Typist[], user: UserSummary, expiresAt: number): readonly Typist[] {
  return [...typists.filter((typist) => typist.user.id !== user.id), { user, expiresAt }];
}

export function removeTypist(typists: readonly Typist[], userId: UserId): readonly Typist[] {
  return typists.some((typist) => typist.user.id === userId)
    ? typists.filter((typist) => typist.user.id !== userId)
    : typists;
}

/** The typists still showing at `now` (the same array when none expired). */
export function liveTypists(typists: readonly Typist[], now: number): readonly Typist[] {
  return typists.every((typist) => typist.expiresAt > now)
    ? typists
    : typists.filter((typist) => typist.expiresAt > now);
}

/** "ada is typing…", "ada and grace are typing…", "3 people are typing…"; empty when nobody is. */
export function typingLabel(typists: readonly Typist[]): string {
  const names = typists.map((typist) => typist.user.username);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}
