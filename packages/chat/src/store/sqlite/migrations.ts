/**
 * Schema migrations of the SQLite store, applied in order; the database's
 * `PRAGMA user_version` records how many have run. Append new migrations, never
 * edit one that has shipped.
 */
export const migrations: readonly string[] = [
  // 1: the initial schema.
  `
  CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    username    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    guest       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE credentials (
    user_id        TEXT PRIMARY KEY REFERENCES users(id),
    password_hash  TEXT NOT NULL
  );
  CREATE TABLE rooms (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('room', 'direct')),
    name        TEXT UNIQUE COLLATE NOCASE,
    created_by  TEXT,
    created_at  INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE memberships (
    room_id        TEXT NOT NULL REFERENCES rooms(id),
    user_id        TEXT NOT NULL REFERENCES users(id),
    joined_at      INTEGER NOT NULL,
    last_read_seq  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX memberships_by_user ON memberships (user_id, room_id);
  CREATE TABLE messages (
    row_id             INTEGER PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    room_id            TEXT NOT NULL REFERENCES rooms(id),
    seq                INTEGER NOT NULL,
    author_id          TEXT NOT NULL REFERENCES users(id),
    author_name        TEXT NOT NULL,
    text               TEXT NOT NULL,
    client_message_id  TEXT,
    created_at         INTEGER NOT NULL,
    edited_at          INTEGER,
    deleted_at         INTEGER,
    UNIQUE (room_id, seq)
  );
  CREATE UNIQUE INDEX messages_by_client_id ON messages (room_id, author_id, client_message_id)
    WHERE client_message_id IS NOT NULL;
  CREATE TABLE events (
    room_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    message_id  TEXT,
    user_id     TEXT,
    PRIMARY KEY (room_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE connections (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    connected_at  INTEGER NOT NULL
  );
  CREATE INDEX connections_by_user ON connections (user_id);
  CREATE TABLE counters (
    key       TEXT PRIMARY KEY,
    count     INTEGER NOT NULL,
    reset_at  INTEGER NOT NULL
  );
  CREATE INDEX counters_by_reset ON counters (reset_at);

  -- Full-text index over message text, kept in step by triggers (external content; see 13).
  CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'row_id', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.row_id, new.text);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.row_id, old.text);
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.row_id, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.row_id, new.text);
  END;
  `,
  // 2: presence and rate-limit windows move to memory (ephemeralTables).
  `
  DROP TABLE connections;
  DROP TABLE counters;
  `,
  // 3: sessions, so a token can be revoked before it expires.
  `
  CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  );
  CREATE INDEX sessions_by_user ON sessions (user_id);
  CREATE INDEX sessions_by_expiry ON sessions (expires_at);
  `,
  // 4: guests expire when idle; their messages are then renamed (messages_by_author finds them).
  `
  ALTER TABLE users ADD COLUMN last_seen_at INTEGER;
  ALTER TABLE users ADD COLUMN retired_at INTEGER;
  UPDATE users SET last_seen_at = created_at WHERE guest;
  CREATE INDEX users_idle_guests ON users (last_seen_at) WHERE guest AND retired_at IS NULL;
  CREATE INDEX messages_by_author ON messages (author_id);
  `,
  // 5: emoji reactions, kept on the message as JSON (domain/reactions.ts bounds their size).
  `
  ALTER TABLE messages ADD COLUMN reactions TEXT NOT NULL DEFAULT '[]';
  `,
  // 6: room topics; a topicChanged event keeps the topic it set.
  `
  ALTER TABLE rooms ADD COLUMN topic TEXT;
  ALTER TABLE events ADD COLUMN topic TEXT;
  `,
  // 7: pinned messages (who pinned is kept as named then, like reactions).
  `
  ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
  ALTER TABLE messages ADD COLUMN pinned_by_id TEXT;
  ALTER TABLE messages ADD COLUMN pinned_by_name TEXT;
  CREATE INDEX messages_pinned ON messages (room_id, seq) WHERE pinned_at IS NOT NULL;
  `,
  // 8: threads: a reply names its root; a root keeps its reply summary; each follower's read position per thread.
  `
  ALTER TABLE messages ADD COLUMN thread_root_id TEXT;
  ALTER TABLE messages ADD COLUMN also_to_room INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN reply_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN last_reply_at INTEGER;
  ALTER TABLE messages ADD COLUMN last_reply_seq INTEGER;
  CREATE INDEX messages_thread ON messages (thread_root_id, seq) WHERE thread_root_id IS NOT NULL;
  CREATE TABLE thread_reads (
    user_id        TEXT NOT NULL,
    root_id        TEXT NOT NULL,
    room_id        TEXT NOT NULL,
    root_seq       INTEGER NOT NULL,
    last_read_seq  INTEGER NOT NULL,
    PRIMARY KEY (user_id, root_id)
  );
  CREATE INDEX thread_reads_by_room ON thread_reads (user_id, room_id, root_seq);
  `,
  // 9: mentions (the message keeps them as JSON; message_mentions counts a member's unread ones,
  // '*' standing for @room) and each member's notification settings per room.
  `
  ALTER TABLE messages ADD COLUMN mentions TEXT;
  CREATE TABLE message_mentions (
    room_id  TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE notification_settings (
    user_id  TEXT NOT NULL REFERENCES users(id),
    room_id  TEXT NOT NULL REFERENCES rooms(id),
    level    TEXT NOT NULL,
    muted    INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id)
  ) WITHOUT ROWID;
  `,
  // 10: private rooms and invite links (a visibilityChanged event keeps the visibility it set;
  // an invite keeps only the hash of its secret).
  `
  ALTER TABLE rooms ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
  ALTER TABLE events ADD COLUMN visibility TEXT;
  CREATE TABLE room_invites (
    id           TEXT PRIMARY KEY,
    room_id      TEXT NOT NULL REFERENCES rooms(id),
    secret_hash  TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    max_uses     INTEGER NOT NULL,
    uses         INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER
  );
  CREATE INDEX room_invites_by_room ON room_invites (room_id, created_at);
  `,
  // 11: roles and moderation: a membership's role (the owner is the room's creator, so existing
  // rooms keep theirs unchanged), read-only rooms, messages removed by a moderator, the
  // value a memberRoleChanged ('admin' / 'member') or readOnlyChanged ('on' / 'off') event set,
  // the audit log of moderation, and deactivated accounts.
  `
  ALTER TABLE memberships ADD COLUMN role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin'));
  ALTER TABLE rooms ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN removed_by_moderator INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE events ADD COLUMN detail TEXT;
  CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    room_id      TEXT,
    at           INTEGER NOT NULL,
    action       TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    target_id    TEXT,
    target_name  TEXT,
    detail       TEXT
  );
  CREATE INDEX audit_log_by_room ON audit_log (room_id, at, id);
  CREATE INDEX audit_log_by_time ON audit_log (at, id);
  CREATE TABLE deactivated_users (
    user_id  TEXT PRIMARY KEY,
    at       INTEGER NOT NULL
  );
  `,
  // 12: file attachments, kept on the message as JSON (`Attachment[]`; the bytes are in the file store).
  `
  ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
  `,
  // 13: a new message's text is indexed for search by the store, once per group commit, after
  // the commit's appends (SqliteSearch#indexNewMessages). FTS5 writes its pending terms to disk
  // at every statement savepoint, and each append opens some, so the insert trigger made one
  // index segment per message and cost a fifth of an append. Edits and deletions keep theirs.
  `
  DROP TRIGGER messages_fts_insert;
  `,
  // 14: bans: a member a moderator removed and banned stays out of the room until one lets them back.
  `
  CREATE TABLE room_bans (
    room_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    banned_at  INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
  ) WITHOUT ROWID;
  `,
  // 15: which send took an upload: one file belongs to one message, also when two sends name it at once.
  `
  CREATE TABLE upload_claims (
    room_id            TEXT NOT NULL,
    author_id          TEXT NOT NULL,
    file_id            TEXT NOT NULL,
    client_message_id  TEXT,
    claimed_at         INTEGER NOT NULL,
    PRIMARY KEY (room_id, author_id, file_id)
  ) WITHOUT ROWID;
  `,
];

/**
 * The tables that live in memory for the life of the process (`TEMP`, with
 * `temp_store = MEMORY`): who is connected and the rate-limit windows (typing
 * relay, failed log-ins). They change on every typing frame and every connect, so
 * writing them to the file would cost an fsync each; the embedded chat is one
 * process, whose connections end with it, and a restart may forget a window.
 * `online_users` is who has a connection, by username: a page of them is a walk of
 * its key, where walking all users for those connected cost as much as the users
 * offline (a restart's reconnects read it in every welcome while few are back).
 */
export const ephemeralTables = `
  CREATE TEMP TABLE connections (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    connected_at  INTEGER NOT NULL
  );
  CREATE INDEX temp.connections_by_user ON connections (user_id);
  CREATE TEMP TABLE online_users (
    username  TEXT NOT NULL,
    id        TEXT NOT NULL,
    PRIMARY KEY (username, id)
  ) WITHOUT ROWID;
  CREATE INDEX temp.online_users_by_id ON online_users (id);
  CREATE TEMP TABLE counters (
    key       TEXT PRIMARY KEY,
    count     INTEGER NOT NULL,
    reset_at  INTEGER NOT NULL
  );
  CREATE INDEX temp.counters_by_reset ON counters (reset_at);
`;
