/**
 * The SQL texts the SQLite and PostgreSQL stores both run, written once and
 * spelled for a dialect: only placeholders, case-insensitive name matches and
 * text sort order differ between the two. Statements one store alone runs stay
 * in that store.
 */

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
export const ROOM_COLUMNS = 'r.id, r.kind, r.name, r.created_by, r.created_at, r.last_seq';

/** The columns of a message the domain knows (not a store's search columns), for tables aliased `m`. */
export const MESSAGE_COLUMNS =
  'm.id, m.room_id, m.seq, m.author_id, m.author_name, m.text, m.client_message_id, m.created_at, m.edited_at, m.deleted_at';

/** A search hit's message and room columns (rows.ts `SearchRow`), for messages aliased `m` and rooms `r`. */
export const SEARCH_HIT_COLUMNS = `${MESSAGE_COLUMNS}, r.id AS r_id, r.kind AS r_kind, r.name AS r_name,
  r.created_by AS r_created_by, r.created_at AS r_created_at, r.last_seq AS r_last_seq`;

/** Events with their message or user (rows.ts `EventRow`), for a `WHERE` on `e` to follow. */
export const EVENTS = `
  SELECT e.room_id AS e_room_id, e.seq AS e_seq, e.type AS e_type, e.at AS e_at,
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
  // The user's rooms with their membership, unread count and (for a direct room) the other user: UserRoomRow.
  const userRooms = `
  SELECT ${ROOM_COLUMNS}, m.user_id AS member_id, m.joined_at, m.last_read_seq,
    (SELECT count(*) FROM messages x
      WHERE x.room_id = r.id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL AND x.author_id <> m.user_id) AS unread,
    p.id AS peer_id, p.username AS peer_username, p.guest AS peer_guest, p.created_at AS peer_created_at
  FROM memberships m
  JOIN rooms r ON r.id = m.room_id
  LEFT JOIN memberships pm ON r.kind = 'direct' AND pm.room_id = r.id AND pm.user_id <> m.user_id
  LEFT JOIN users p ON p.id = pm.user_id
  WHERE m.user_id = ${p(1)}`;
  return {
    /** id */
    userById: `SELECT * FROM users WHERE id = ${p(1)}`,
    /** username */
    userByName: `SELECT * FROM users WHERE ${sameName('username', p(1))}`,
    /** user id */
    passwordHash: `SELECT password_hash FROM credentials WHERE user_id = ${p(1)}`,
    /** key, now */
    liveCounter: `SELECT count, reset_at FROM counters WHERE key = ${p(1)} AND reset_at > ${p(2)}`,
    /** key */
    deleteCounter: `DELETE FROM counters WHERE key = ${p(1)}`,
    /** id, name, created by, created at: the new RoomRow */
    insertRoom: `INSERT INTO rooms (id, kind, name, created_by, created_at)
       VALUES (${p(1)}, 'room', ${p(2)}, ${p(3)}, ${p(4)}) RETURNING *`,
    /** id */
    roomById: `SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = ${p(1)}`,
    /** name */
    roomByName: `SELECT ${ROOM_COLUMNS} FROM rooms r WHERE ${sameName('r.name', p(1))} AND r.kind = 'room'`,
    /** user id: PublicRoomRow */
    publicRooms: `SELECT ${ROOM_COLUMNS},
         (SELECT count(*) FROM memberships m WHERE m.room_id = r.id) AS member_count,
         EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = r.id AND m.user_id = ${p(1)}) AS joined
       FROM rooms r WHERE r.kind = 'room' ORDER BY r.name${byText}`,
    /** room id: the room's new sequence number, `last_seq` (no row for an unknown room) */
    nextSeq: `UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ${p(1)} RETURNING last_seq`,
    /** room id, user id */
    membership: `SELECT * FROM memberships WHERE room_id = ${p(1)} AND user_id = ${p(2)}`,
    /** room id: MemberRow */
    members: `SELECT u.*, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.room_id = ${p(1)} ORDER BY u.username${byText}`,
    /** user id */
    userRooms: `${userRooms} ORDER BY r.kind DESC, r.name${byText}, p.username${byText}`,
    /** user id, room id */
    userRoom: `${userRooms} AND r.id = ${p(2)}`,
    /** id */
    messageById: `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ${p(1)}`,
    /** room id, author id, client message id */
    messageByClientId: `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.room_id = ${p(1)} AND m.author_id = ${p(2)} AND m.client_message_id = ${p(3)}`,
    /** room id, before seq, limit: newest first */
    messagesBefore: `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.room_id = ${p(1)} AND m.seq < ${p(2)} ORDER BY m.seq DESC LIMIT ${p(3)}`,
    /** room id, after seq, limit */
    eventsAfter: `${EVENTS} WHERE e.room_id = ${p(1)} AND e.seq > ${p(2)} ORDER BY e.seq LIMIT ${p(3)}`,
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
    onlineUsers: `SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM connections c WHERE c.user_id = u.id)
       ORDER BY u.username${byText}`,
  } as const;
}
