/**
 * The loaded part of a room's member list: the server sends members by
 * username in pages (docs/protocol.md, "Pages and cursors"), so a big room is
 * read a page at a time, as the user scrolls. Pure functions over immutable
 * lists, kept in the same order as the server's pages (username, then id) so
 * that live joins and the pages still to come never show anyone twice.
 */
import type { Member, UserSummary } from '@switchboard/chat/api';

export interface MemberList {
  /** By username, then id. */
  members: readonly Member[];
  /** More members follow (after the last loaded one): `members` with this cursor. */
  nextCursor: string | null;
  /** A page is being read. */
  loading: boolean;
}

export const emptyMemberList: MemberList = { members: [], nextCursor: null, loading: false };

/** The members with a page appended, in order, each once (a page may repeat who was loaded). */
export function withPage(members: readonly Member[], page: readonly Member[]): Member[] {
  const merged = [...members];
  const known = new Set(merged.map((member) => member.user.id));
  for (const member of page) {
    if (known.has(member.user.id)) continue;
    known.add(member.user.id);
    merged.push(member);
  }
  return merged.sort(byUsername);
}

/**
 * A member joined: shown at once when its place is within the loaded part;
 * past the last loaded member, a later page brings it.
 */
export function withMember(list: MemberList, member: Member): MemberList {
  const others = list.members.filter((candidate) => candidate.user.id !== member.user.id);
  const last = others.at(-1);
  if (list.nextCursor !== null && (last === undefined || byUsername(member, last) > 0)) {
    return others.length === list.members.length ? list : { ...list, members: others };
  }
  return { ...list, members: [...others, member].sort(byUsername) };
}

export function withoutMember(list: MemberList, userId: string): MemberList {
  const members = list.members.filter((member) => member.user.id !== userId);
  return members.length === list.members.length ? list : { ...list, members };
}

/** The member's online flag changed (a `presence` frame). */
export function withOnline(list: MemberList, userId: string, online: boolean): MemberList {
  if (!list.members.some((member) => member.user.id === userId && member.online !== online)) return list;
  return {
    ...list,
    members: list.members.map((member) => (member.user.id === userId ? { ...member, online } : member)),
  };
}

/** Every loaded member's online flag from a complete list of who is online. */
export function withOnlineFrom(list: MemberList, online: ReadonlySet<string>): MemberList {
  if (list.members.every((member) => member.online === online.has(member.user.id))) return list;
  return { ...list, members: list.members.map((member) => ({ ...member, online: online.has(member.user.id) })) };
}

/** The member's role changed (a `memberRoleChanged` event); the owner's never does. */
export function withMemberRole(list: MemberList, userId: string, role: 'admin' | 'member'): MemberList {
  if (!list.members.some((member) => member.user.id === userId && member.role !== role && member.role !== 'owner')) {
    return list;
  }
  return {
    ...list,
    members: list.members.map((member) => (member.user.id === userId ? { ...member, role } : member)),
  };
}

/**
 * The server's order. Usernames are lower-case ASCII (docs/protocol.md,
 * "Accounts, usernames and room names"), so comparing code units is its order.
 */
function byUsername(a: { user: UserSummary }, b: { user: UserSummary }): number {
  return compare(a.user.username, b.user.username) || compare(a.user.id, b.user.id);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
