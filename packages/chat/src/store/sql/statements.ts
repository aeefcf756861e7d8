/**
 * The SQL texts the SQLite and PostgreSQL stores both run, written once and
 * spelled for a dialect: only placeholders, case-insensitive name matches and
 * text sort order differ between the two. Statements one store alone runs stay
 * in that store.
 */
import { GROUP_ROOM_ID_PREFIX } from '../../domain/views.ts';

/** What a SQL dialect spells its own way in the shared statements. */
export interface SqlDialect {
  /** The placeholder of the `n`-th (1-based) parameter: SQLite binds `?` in order, PostgreSQL numbers them `$n`. */
  param(n: number): string;
  /**
   * `column` equals `value` ignoring case, as the schema keeps names unique
   * (SQLite: `COLLATE NOCASE` columns; PostgreSQL: unique `lower()` indexes).
   */
  sameName(column: string, value: string): string;
  /** Appended to every text sort key (PostgreSQL: `COLLATE "C"`, so the order does not follow the server's locale). */
  textOrder: string;
}

/** The columns of a room, for tables aliased `r`. */
export const ROOM_COLUMNS =
  'r.id, r.kind, r.name, r.created_by, r.created_at, r.topic, r.last_seq, r.visibility, r.read_only';

/** The columns of a message the domain knows (not a store's search columns), for tables aliased `m`. */
export const MESSAGE_COLUMNS = `m.id, m.room_id, m.seq, m.author_id, m.author_name, m.text, m.client_message_id,
  m.created_at, m.edited_at, m.deleted_at, m.reactions, m.pinned_at, m.pinned_by_id, m.pinned_by_name,
  m.thread_root_id, m.also_to_room, m.reply_count, m.last_reply_at, m.last_reply_seq, m.mentions,
  m.removed_by_moderator, m.attachments`;

/** A message of its room's timeline, for tables aliased `alias`: not a thread reply, or one also sent to the room. */
export function inTimeline(alias: string): string {
  return `(${alias}.thread_root_id IS NULL OR ${alias}.also_to_room)`;
}

/** A search hit's message and room columns (rows.ts `SearchRow`), for messages aliased `m` and rooms `r`. */
export const SEARCH_HIT_COLUMNS = `${MESSAGE_COLUMNS}, r.id AS r_id, r.kind AS r_kind, r.name AS r_name,
  r.created_by AS r_created_by, r.created_at AS r_created_at, r.topic AS r_topic, r.last_seq AS r_last_seq,
  r.visibility AS r_visibility, r.read_only AS r_read_only`;

/** Events with their message or user (rows.ts `EventRow`), for a `WHERE` on `e` to follow. */
export const EVENTS = `
  SELECT e.room_id AS e_room_id, e.seq AS e_seq, e.type AS e_type, e.at AS e_at, e.topic AS e_topic,
    e.visibility AS e_visibility, e.detail AS e_detail,
    ${MESSAGE_COLUMNS}, u.id AS u_id, u.username AS u_username, u.guest AS u_guest, u.created_at AS u_created_at
  FROM events e
  LEFT JOIN messages m ON m.id = e.message_id
  LEFT JOIN users u ON u.id = e.user_id`;

export type SqlStatements = ReturnType<typeof sqlStatements>;

/**
 * The shared statements in `dialect`'s spelling; the comment on each lists its parameters.
 * @example sqlStatements(postgres).userById // 'SELECT * FROM users WHERE id = $1'
 */
export function sqlStatements(dialect: SqlDialect) {
  const { param: p, sameName, textOrder: byText } = dialect;
  // The user's rooms with their membership, unread count and (for a direct room of two) the other user: UserRoomRow.
  // A group conversation has no peer; its id tells it apart (a cheap filter, where counting members would
  // make the planner read far more). Only a direct room's key is looked up for the peer: with the kind as
  // a filter beside the key, SQLite walked every membership of the room (thousands in a big room, per member).
  const userRooms = `
  SELECT ${ROOM_COLUMNS}, m.user_id AS member_id, m.joined_at, m.last_read_seq, m.role,
    (SELECT count(*) FROM messages x
      WHERE x.room_id = r.id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL AND x.author_id <> m.user_id
        AND ${inTimeline('x')}) AS unread,
    p.id AS peer_id, p.username AS peer_username, p.guest AS peer_guest, p.created_at AS peer_created_at
  FROM memberships m
  JOIN rooms r ON r.id = m.room_id
  LEFT JOIN memberships pm
    ON pm.room_id = CASE WHEN r.kind = 'direct' AND r.id NOT LIKE '${GROUP_ROOM_ID_PREFIX}%' THEN r.id END
    AND pm.user_id <> m.user_id
  LEFT JOIN users p ON p.id = pm.user_id
  WHERE m.user_id = ${p(1)}`;
  return {
    /**
     * room id, user id, after seq, user id again: \`{ n }\`, the live messages of the room's timeline by others
     * after the seq that mention the user (a reply only in its thread is no unread message of the room)
     */
    countMentions: `SELECT count(DISTINCT x.seq) AS n FROM message_mentions mm
       JOIN messages x ON x.room_id = mm.room_id AND x.seq = mm.seq
       WHERE mm.room_id = ${p(1)} AND mm.user_id IN (${p(2)}, '*') AND mm.seq > ${p(3)}
         AND x.deleted_at IS NULL AND x.author_id <> ${p(4)} AND ${inTimeline('x')}`,
    /** user id, room id, level, muted */
    setNotificationSettings: `INSERT INTO notification_settings (user_id, room_id, level, muted)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})
       ON CONFLICT (user_id, room_id) DO UPDATE SET level = excluded.level, muted = excluded.muted`,
    /** user id, then \`count\` room ids: NotificationSettingsRow */
    notificationSettings: (count: number) =>
      `SELECT room_id, level, muted FROM notification_settings WHERE user_id = ${p(1)}
       AND room_id IN (${Array.from({ length: count }, (_, i) => p(i + 2)).join(', ')})`,
    /** id */
    userById: `SELECT * FROM users WHERE id = ${p(1)}`,
    /** username */
    userByName: `SELECT * FROM users WHERE ${sameName('username', p(1))}`,
    /** user id */
    passwordHash: `SELECT password_hash FROM credentials WHERE user_id = ${p(1)}`,
    /** id */
    sessionById: `SELECT id, user_id, created_at, expires_at FROM sessions WHERE id = ${p(1)}`,
    /** id */
    deleteSession: `DELETE FROM sessions WHERE id = ${p(1)}`,
    /** user id */
    deleteUserSessions: `DELETE FROM sessions WHERE user_id = ${p(1)}`,
    /** at, user id */
    /** at, id, unless since: a guest seen since writes nothing (and on SQLite syncs nothing) */
    guestSeen: `UPDATE users SET last_seen_at = ${p(1)}
       WHERE id = ${p(2)} AND guest AND retired_at IS NULL AND last_seen_at < ${p(3)}`,
    /** prefix, after username ('' for the first page), prefix + U+FFFF, limit: UserRow by username */
    usersByPrefix: `SELECT * FROM users u
       WHERE u.retired_at IS NULL AND u.username${byText} >= ${p(1)} AND u.username${byText} > ${p(2)}
         AND u.username${byText} < ${p(3)}
       ORDER BY u.username${byText} LIMIT ${p(4)}`,
    /** idle before, limit: UserRow, the longest idle first */
    idleGuests: `SELECT * FROM users u
       WHERE u.guest AND u.retired_at IS NULL AND u.last_seen_at < ${p(1)}
       ORDER BY u.last_seen_at LIMIT ${p(2)}`,
    /** name, author id, name again, limit */
    renameAuthor: `UPDATE messages SET author_name = ${p(1)} WHERE id IN (
       SELECT id FROM messages WHERE author_id = ${p(2)} AND author_name <> ${p(3)} LIMIT ${p(4)})`,
    /** former name, at, user id: the renamed user's id */
    retireGuest: `UPDATE users SET username = ${p(1)}, retired_at = ${p(2)}
       WHERE id = ${p(3)} AND guest AND retired_at IS NULL RETURNING id`,
    /** hash, user id */
    updatePasswordHash: `UPDATE credentials SET password_hash = ${p(1)} WHERE user_id = ${p(2)}`,
    /** key, now */
    liveCounter: `SELECT count, reset_at FROM counters WHERE key = ${p(1)} AND reset_at > ${p(2)}`,
    /** key */
    deleteCounter: `DELETE FROM counters WHERE key = ${p(1)}`,
    /** id, name, created by, created at, visibility: the new RoomRow */
    insertRoom: `INSERT INTO rooms (id, kind, name, created_by, created_at, visibility)
       VALUES (${p(1)}, 'room', ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}) RETURNING *`,
    /** id */
    roomById: `SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = ${p(1)}`,
    /** name */
    roomByName: `SELECT ${ROOM_COLUMNS} FROM rooms r WHERE ${sameName('r.name', p(1))} AND r.kind = 'room'`,
    /** user id, after name ('' for the first page), limit: PublicRoomRow */
    publicRooms: `SELECT ${ROOM_COLUMNS},
         (SELECT count(*) FROM memberships m WHERE m.room_id = r.id) AS member_count,
         EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = r.id AND m.user_id = ${p(1)}) AS joined
       FROM rooms r WHERE r.kind = 'room' AND r.visibility = 'public' AND r.name${byText} > ${p(2)}
       ORDER BY r.name${byText} LIMIT ${p(3)}`,
    /** room id: the room's new sequence number, `last_seq` (no row for an unknown room) */
    nextSeq: `UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ${p(1)} RETURNING last_seq`,
    /** room id, user id */
    membership: `SELECT * FROM memberships WHERE room_id = ${p(1)} AND user_id = ${p(2)}`,
    // One row whatever exists: each side's columns are null when it is missing (rows.ts MemberContextRow).
    memberContext: `SELECT ${ROOM_COLUMNS}, mb.joined_at, mb.last_read_seq, mb.role,
        u.id AS user_id, u.username AS user_username, u.guest AS user_guest, u.created_at AS user_created_at
      FROM (SELECT 1 AS one) AS one
      LEFT JOIN rooms r ON r.id = ${p(1)}
      LEFT JOIN memberships mb ON mb.room_id = ${p(2)} AND mb.user_id = ${p(3)}
      LEFT JOIN users u ON u.id = ${p(4)}`,
    /** room id, after username, after id ('' and '' for the first page), limit: MemberRow */
    members: `SELECT u.*, m.joined_at, m.role, EXISTS (SELECT 1 FROM connections c WHERE c.user_id = u.id) AS online
       FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.room_id = ${p(1)} AND (u.username${byText}, u.id${byText}) > (${p(2)}, ${p(3)})
       ORDER BY u.username${byText}, u.id${byText} LIMIT ${p(4)}`,
    /** user id, after room id ('' for the first page), limit */
    userRooms: `${userRooms} AND m.room_id${byText} > ${p(2)} ORDER BY m.room_id${byText} LIMIT ${p(3)}`,
    /**
     * user id, changed after, after room id ('' for the first page), limit: `id`, `last_seq`.
     * Per room of the user, one key lookup of the room and one of its newest event.
     */
    roomHeads: `SELECT r.id, r.last_seq FROM memberships m
       JOIN rooms r ON r.id = m.room_id
       JOIN events e ON e.room_id = r.id AND e.seq = r.last_seq
       WHERE m.user_id = ${p(1)} AND e.at > ${p(2)} AND m.room_id${byText} > ${p(3)}
       ORDER BY m.room_id${byText} LIMIT ${p(4)}`,
    /** count up to, user id: `room_id`, `members` (the count stops at the cap: a walk of the primary key's range) */
    userRoomSizes: `SELECT m.room_id, (SELECT count(*) FROM (SELECT 1 FROM memberships x WHERE x.room_id = m.room_id
         LIMIT ${p(1)}) capped) AS members
       FROM memberships m WHERE m.user_id = ${p(2)} ORDER BY m.room_id${byText}`,
    /** user id, room id */
    userRoom: `${userRooms} AND r.id = ${p(2)}`,
    /** id */
    messageById: `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ${p(1)}`,
    /** room id, author id, client message id */
    messageByClientId: `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.room_id = ${p(1)} AND m.author_id = ${p(2)} AND m.client_message_id = ${p(3)}`,
    /** room id, before seq, limit: newest first */
    messagesBefore: `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.room_id = ${p(1)} AND m.seq < ${p(2)} AND ${inTimeline('m')} ORDER BY m.seq DESC LIMIT ${p(3)}`,
    /** root id, before seq, limit: the thread's replies, newest first */
    repliesBefore: `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.thread_root_id = ${p(1)} AND m.seq < ${p(2)} ORDER BY m.seq DESC LIMIT ${p(3)}`,
    /** user id, root id: `last_read_seq` */
    threadRead: `SELECT last_read_seq FROM thread_reads WHERE user_id = ${p(1)} AND root_id = ${p(2)}`,
    /** user id, root id, room id, root seq, seq: follows the thread, or moves its read position forward */
    markThreadRead: `INSERT INTO thread_reads (user_id, root_id, room_id, root_seq, last_read_seq)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})
       ON CONFLICT (user_id, root_id) DO UPDATE SET last_read_seq = excluded.last_read_seq
       WHERE excluded.last_read_seq > thread_reads.last_read_seq`,
    /** user id, room id, before root seq, limit: ThreadReadRow, the newest root first */
    threadReads: `SELECT ${MESSAGE_COLUMNS}, t.last_read_seq AS t_last_read_seq
       FROM thread_reads t JOIN messages m ON m.id = t.root_id
       WHERE t.user_id = ${p(1)} AND t.room_id = ${p(2)} AND t.root_seq < ${p(3)}
       ORDER BY t.root_seq DESC LIMIT ${p(4)}`,
    /** room id, seq */
    eventAt: `${EVENTS} WHERE e.room_id = ${p(1)} AND e.seq = ${p(2)}`,
    /** room id, before seq, limit: pinned messages, newest first */
    pinnedBefore: `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.room_id = ${p(1)} AND m.pinned_at IS NOT NULL AND m.seq < ${p(2)} ORDER BY m.seq DESC LIMIT ${p(3)}`,
    /** room id: `n`, the room's pinned messages */
    pinCount: `SELECT count(*) AS n FROM messages WHERE room_id = ${p(1)} AND pinned_at IS NOT NULL`,
    /** room id, after seq, limit */
    eventsAfter: `${EVENTS} WHERE e.room_id = ${p(1)} AND e.seq > ${p(2)} ORDER BY e.seq LIMIT ${p(3)}`,
    /** id, room id, at, action, actor id, actor name, target id, target name, detail */
    insertAudit: `INSERT INTO audit_log (id, room_id, at, action, actor_id, actor_name, target_id, target_name, detail)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)})`,
    /** room id, before at, before id, limit: AuditRow, newest first */
    roomAudit: `SELECT * FROM audit_log WHERE room_id = ${p(1)} AND (at, id${byText}) < (${p(2)}, ${p(3)})
       ORDER BY at DESC, id${byText} DESC LIMIT ${p(4)}`,
    /** before at, before id, limit: AuditRow, newest first */
    allAudit: `SELECT * FROM audit_log WHERE (at, id${byText}) < (${p(1)}, ${p(2)})
       ORDER BY at DESC, id${byText} DESC LIMIT ${p(3)}`,
    /** room id, user id, at */
    banFromRoom: `INSERT INTO room_bans (room_id, user_id, banned_at) VALUES (${p(1)}, ${p(2)}, ${p(3)})
       ON CONFLICT (room_id, user_id) DO NOTHING`,
    /** room id, user id: the lifted ban's `room_id` (none without a ban) */
    liftRoomBan: `DELETE FROM room_bans WHERE room_id = ${p(1)} AND user_id = ${p(2)} RETURNING room_id`,
    /**
     * room id, author id, file id, client message id, at: one row when the upload is this send's
     * (a NULL client message id equals nothing, so it takes only a free upload)
     */
    claimUpload: `INSERT INTO upload_claims (room_id, author_id, file_id, client_message_id, claimed_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)})
       ON CONFLICT (room_id, author_id, file_id) DO UPDATE SET claimed_at = upload_claims.claimed_at
         WHERE upload_claims.client_message_id = excluded.client_message_id
       RETURNING file_id`,
    /** room id, after user id ('' for the first page), limit: BanRow by user id */
    roomBans: `SELECT u.*, b.banned_at FROM room_bans b JOIN users u ON u.id = b.user_id
       WHERE b.room_id = ${p(1)} AND b.user_id${byText} > ${p(2)} ORDER BY b.user_id${byText} LIMIT ${p(3)}`,
    /** room id, user id: one row when the user is banned */
    roomBan: `SELECT banned_at FROM room_bans WHERE room_id = ${p(1)} AND user_id = ${p(2)}`,
    /** user id: `at` of a deactivated account */
    deactivation: `SELECT at FROM deactivated_users WHERE user_id = ${p(1)}`,
    /** user id, at: the inserted `user_id` (none when it was deactivated already) */
    deactivate: `INSERT INTO deactivated_users (user_id, at) VALUES (${p(1)}, ${p(2)})
       ON CONFLICT (user_id) DO NOTHING RETURNING user_id`,
    /** id */
    connectionById: `SELECT * FROM connections WHERE id = ${p(1)}`,
    /** id: the removed ConnectionRow */
    deleteConnection: `DELETE FROM connections WHERE id = ${p(1)} RETURNING *`,
    /** user id: `n` */
    connectionCount: `SELECT count(*) AS n FROM connections WHERE user_id = ${p(1)}`,
    /** user id */
    userConnections: `SELECT * FROM connections WHERE user_id = ${p(1)} ORDER BY connected_at, id${byText}`,
    /** room id */
    roomConnections: `SELECT c.* FROM connections c JOIN memberships m ON m.user_id = c.user_id
       WHERE m.room_id = ${p(1)} ORDER BY c.connected_at, c.id${byText}`,
    /** after username, after id ('' and '' for the first page), limit */
    onlineUsers: `SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM connections c WHERE c.user_id = u.id)
       AND (u.username${byText}, u.id${byText}) > (${p(1)}, ${p(2)})
       ORDER BY u.username${byText}, u.id${byText} LIMIT ${p(3)}`,
  } as const;
}
