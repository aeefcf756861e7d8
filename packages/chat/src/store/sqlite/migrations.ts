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

  -- Full-text index over message text, kept in step by triggers (external content).
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
];
