/**
 * Invite links in the SQL stores (SQLite, PostgreSQL): their row, its mapping,
 * and the statements both stores run. Each write is one statement, so its
 * conditions and its change are atomic on both: a use is counted only while
 * the invite is usable, and concurrent redemptions never pass `max_uses`.
 */
import type { StoredInvite } from '../../ports/chat-store.ts';
import type { SqlDialect } from './statements.ts';

export interface InviteRow {
  id: string;
  room_id: string;
  secret_hash: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  max_uses: number;
  uses: number;
  revoked_at: number | null;
}

export function toInvite(row: InviteRow): StoredInvite {
  return {
    id: row.id,
    roomId: row.room_id,
    secretHash: row.secret_hash,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    maxUses: row.max_uses,
    uses: row.uses,
    revokedAt: row.revoked_at,
  };
}

/** The values of `inviteStatements().insert`, in order. */
export function inviteValues(invite: StoredInvite): unknown[] {
  return [
    invite.id,
    invite.roomId,
    invite.secretHash,
    invite.createdBy,
    invite.createdAt,
    invite.expiresAt,
    invite.maxUses,
    invite.uses,
    invite.revokedAt,
  ];
}

/** The invite statements in `dialect`'s spelling; the comment on each lists its parameters. */
export function inviteStatements({ param: p, textOrder }: SqlDialect) {
  return {
    /** `inviteValues(invite)` */
    insert: `INSERT INTO room_invites (id, room_id, secret_hash, created_by, created_at, expires_at, max_uses, uses, revoked_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)})`,
    /** id */
    byId: `SELECT * FROM room_invites WHERE id = ${p(1)}`,
    /** id, at: the InviteRow after the use; no row when it is unknown or not usable */
    consume: `UPDATE room_invites SET uses = uses + 1
       WHERE id = ${p(1)} AND revoked_at IS NULL AND expires_at > ${p(2)} AND uses < max_uses RETURNING *`,
    /** at, id: the InviteRow after it; no row when unknown */
    revoke: `UPDATE room_invites SET revoked_at = coalesce(revoked_at, ${p(1)}) WHERE id = ${p(2)} RETURNING *`,
    /** room id, limit: newest first */
    byRoom: `SELECT * FROM room_invites WHERE room_id = ${p(1)}
       ORDER BY created_at DESC, id${textOrder} DESC LIMIT ${p(2)}`,
  } as const;
}
