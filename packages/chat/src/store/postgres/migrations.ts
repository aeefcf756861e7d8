/**
 * Schema migrations of the PostgreSQL store and how they are applied.
 *
 * Migration `n` (1-based) is `migrations[n - 1]`; the `schema_migrations` table
 * records each one applied. Every node of a cluster runs `migrate` when it
 * starts: a session advisory lock makes nodes that start together take turns,
 * so each migration runs exactly once, and each runs in its own transaction
 * together with its `schema_migrations` row. Append new migrations, never edit
 * one that has shipped.
 */
import type { Pool } from 'pg';
import { escapeIdentifier } from 'pg';

export const migrations: readonly string[] = [
  // 1: the initial schema. Times are milliseconds since the epoch (bigint).
  `
  CREATE TABLE users (
    id          text PRIMARY KEY,
    username    text NOT NULL,
    guest       boolean NOT NULL,
    created_at  bigint NOT NULL
  );
  -- Usernames and room names are unique case-insensitively (SQLite: COLLATE NOCASE).
  CREATE UNIQUE INDEX users_username_key ON users (lower(username));
  CREATE TABLE credentials (
    user_id        text PRIMARY KEY REFERENCES users (id),
    password_hash  text NOT NULL
  );
  CREATE TABLE rooms (
    id          text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('room', 'direct')),
    name        text,
    created_by  text,
    created_at  bigint NOT NULL,
    -- Bumped by every event-producing write; its row lock orders a room's writers.
    last_seq    bigint NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX rooms_name_key ON rooms (lower(name));
  CREATE TABLE memberships (
    room_id        text NOT NULL REFERENCES rooms (id),
    user_id        text NOT NULL REFERENCES users (id),
    joined_at      bigint NOT NULL,
    last_read_seq  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
  );
  CREATE INDEX memberships_by_user ON memberships (user_id, room_id);
  CREATE TABLE messages (
    id                 text PRIMARY KEY,
    room_id            text NOT NULL REFERENCES rooms (id),
    seq                bigint NOT NULL,
    author_id          text NOT NULL REFERENCES users (id),
    author_name        text NOT NULL,
    text               text NOT NULL,
    client_message_id  text,
    created_at         bigint NOT NULL,
    edited_at          bigint,
    deleted_at         bigint,
    -- The text's folded words, written by the store (store/postgres/search-text.ts), indexed below.
    search_words       text NOT NULL DEFAULT '',
    search             tsvector GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_words, ' '))) STORED,
    CONSTRAINT messages_room_seq_key UNIQUE (room_id, seq),
    -- NULLs are distinct, so only messages with a client id are deduplicated.
    CONSTRAINT messages_client_id_key UNIQUE (room_id, author_id, client_message_id)
  );
  CREATE INDEX messages_search ON messages USING gin (search);
  CREATE TABLE events (
    room_id     text NOT NULL,
    seq         bigint NOT NULL,
    type        text NOT NULL,
    at          bigint NOT NULL,
    message_id  text,
    user_id     text,
    PRIMARY KEY (room_id, seq)
  );
  CREATE TABLE connections (
    id            text PRIMARY KEY,
    user_id       text NOT NULL,
    connected_at  bigint NOT NULL
  );
  CREATE INDEX connections_by_user ON connections (user_id);
  CREATE TABLE counters (
    key       text PRIMARY KEY,
    count     integer NOT NULL,
    reset_at  bigint NOT NULL
  );
  CREATE INDEX counters_by_reset ON counters (reset_at);
  `,
  // 2: rate-limit state (store/postgres/postgres-rate-limit-store.ts). UNLOGGED: no WAL per
  // decision; a crash empties it, which only ever grants fresh buckets.
  `
  CREATE UNLOGGED TABLE rate_limits (
    key         text PRIMARY KEY,
    tat         bigint NOT NULL,
    attempts    integer NOT NULL,
    expires_at  bigint NOT NULL
  );
  CREATE INDEX rate_limits_by_expiry ON rate_limits (expires_at);
  `,
  // 3: sessions, so a token can be revoked before it expires.
  `
  CREATE TABLE sessions (
    id          text PRIMARY KEY,
    user_id     text NOT NULL,
    created_at  bigint NOT NULL,
    expires_at  bigint NOT NULL
  );
  CREATE INDEX sessions_by_user ON sessions (user_id);
  CREATE INDEX sessions_by_expiry ON sessions (expires_at);
  `,
  // 4: guests expire when idle; their messages are then renamed (messages_by_author finds them).
  `
  ALTER TABLE users ADD COLUMN last_seen_at bigint;
  ALTER TABLE users ADD COLUMN retired_at bigint;
  UPDATE users SET last_seen_at = created_at WHERE guest;
  CREATE INDEX users_idle_guests ON users (last_seen_at) WHERE guest AND retired_at IS NULL;
  CREATE INDEX messages_by_author ON messages (author_id);
  `,
  // 5: emoji reactions, kept on the message as JSON (domain/reactions.ts bounds their size).
  `
  ALTER TABLE messages ADD COLUMN reactions text NOT NULL DEFAULT '[]';
  `,
  // 6: room topics; a topicChanged event keeps the topic it set.
  `
  ALTER TABLE rooms ADD COLUMN topic text;
  ALTER TABLE events ADD COLUMN topic text;
  `,
  // 7: pinned messages (who pinned is kept as named then, like reactions).
  `
  ALTER TABLE messages ADD COLUMN pinned_at bigint;
  ALTER TABLE messages ADD COLUMN pinned_by_id text;
  ALTER TABLE messages ADD COLUMN pinned_by_name text;
  CREATE INDEX messages_pinned ON messages (room_id, seq) WHERE pinned_at IS NOT NULL;
  `,
  // 8: threads: a reply names its root; a root keeps its reply summary; each follower's read position per thread.
  `
  ALTER TABLE messages ADD COLUMN thread_root_id text;
  ALTER TABLE messages ADD COLUMN also_to_room boolean NOT NULL DEFAULT false;
  ALTER TABLE messages ADD COLUMN reply_count integer NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN last_reply_at bigint;
  ALTER TABLE messages ADD COLUMN last_reply_seq bigint;
  CREATE INDEX messages_thread ON messages (thread_root_id, seq) WHERE thread_root_id IS NOT NULL;
  CREATE TABLE thread_reads (
    user_id        text NOT NULL,
    root_id        text NOT NULL,
    room_id        text NOT NULL,
    root_seq       bigint NOT NULL,
    last_read_seq  bigint NOT NULL,
    PRIMARY KEY (user_id, root_id)
  );
  CREATE INDEX thread_reads_by_room ON thread_reads (user_id, room_id, root_seq);
  `,
  // 9: finding users by the start of their username (findUsers), in byte order as the query compares.
  `
  CREATE INDEX users_by_username_prefix ON users (username COLLATE "C") WHERE retired_at IS NULL;
  `,
  // 10: mentions (the message keeps them as JSON; message_mentions counts a member's unread ones,
  // '*' standing for @room) and each member's notification settings per room.
  `
  ALTER TABLE messages ADD COLUMN mentions text;
  CREATE TABLE message_mentions (
    room_id  text NOT NULL,
    user_id  text NOT NULL,
    seq      bigint NOT NULL,
    PRIMARY KEY (room_id, user_id, seq)
  );
  CREATE TABLE notification_settings (
    user_id  text NOT NULL REFERENCES users (id),
    room_id  text NOT NULL REFERENCES rooms (id),
    level    text NOT NULL,
    muted    boolean NOT NULL,
    PRIMARY KEY (user_id, room_id)
  );
  `,
  // 11: private rooms and invite links (a visibilityChanged event keeps the visibility it set;
  // an invite keeps only the hash of its secret).
  `
  ALTER TABLE rooms ADD COLUMN visibility text NOT NULL DEFAULT 'public';
  ALTER TABLE events ADD COLUMN visibility text;
  CREATE TABLE room_invites (
    id           text PRIMARY KEY,
    room_id      text NOT NULL REFERENCES rooms (id),
    secret_hash  text NOT NULL,
    created_by   text NOT NULL,
    created_at   bigint NOT NULL,
    expires_at   bigint NOT NULL,
    max_uses     integer NOT NULL,
    uses         integer NOT NULL DEFAULT 0,
    revoked_at   bigint
  );
  CREATE INDEX room_invites_by_room ON room_invites (room_id, created_at);
  `,
  // 12: roles and moderation: a membership's role (the owner is the room's creator, so existing
  // rooms keep theirs unchanged), read-only rooms, messages removed by a moderator, the
  // value a memberRoleChanged ('admin' / 'member') or readOnlyChanged ('on' / 'off') event set,
  // the audit log of moderation, and deactivated accounts.
  `
  ALTER TABLE memberships ADD COLUMN role text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin'));
  ALTER TABLE rooms ADD COLUMN read_only boolean NOT NULL DEFAULT false;
  ALTER TABLE messages ADD COLUMN removed_by_moderator boolean NOT NULL DEFAULT false;
  ALTER TABLE events ADD COLUMN detail text;
  CREATE TABLE audit_log (
    id           text PRIMARY KEY,
    room_id      text,
    at           bigint NOT NULL,
    action       text NOT NULL,
    actor_id     text NOT NULL,
    actor_name   text NOT NULL,
    target_id    text,
    target_name  text,
    detail       text
  );
  CREATE INDEX audit_log_by_room ON audit_log (room_id, at, id);
  CREATE INDEX audit_log_by_time ON audit_log (at, id);
  CREATE TABLE deactivated_users (
    user_id  text PRIMARY KEY,
    at       bigint NOT NULL
  );
  `,
  // 13: file attachments, kept on the message as JSON (`Attachment[]`; the bytes are in the file store).
  `
  ALTER TABLE messages ADD COLUMN attachments text NOT NULL DEFAULT '[]';
  `,
  // 14: bans: a member a moderator removed and banned stays out of the room until one lets them back.
  `
  CREATE TABLE room_bans (
    room_id    text NOT NULL,
    user_id    text NOT NULL,
    banned_at  bigint NOT NULL,
    PRIMARY KEY (room_id, user_id)
  );
  `,
  // 15: which send took an upload: one file belongs to one message, also when two sends name it at once.
  `
  CREATE TABLE upload_claims (
    room_id            text NOT NULL,
    author_id          text NOT NULL,
    file_id            text NOT NULL,
    client_message_id  text,
    claimed_at         bigint NOT NULL,
    PRIMARY KEY (room_id, author_id, file_id)
  );
  `,
];

/** The advisory lock's two keys; keyed by schema, so stores in separate schemas never wait for each other. */
const LOCK_KEY = "hashtext('switchboard.chat.migrations'), hashtext($1)";

/** The database was migrated by a newer version of the chat: refusing to run beats misreading it. */
export class SchemaTooNewError extends Error {
  constructor(version: number) {
    super(
      `The chat database has schema version ${version}, newer than this code knows (${migrations.length}). Upgrade the chat.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Brings the schema up to date: creates `schema` when given and missing (the
 * pool's connections must already have it as their `search_path`), then applies
 * the pending migrations. Rejects with `SchemaTooNewError`, changing nothing,
 * when the database is newer than this code.
 */
export async function migrate(pool: Pool, schema: string | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    // Waiting for another node's migration, and a migration itself, may take longer than
    // the statement timeout the pool gives requests; restored before the connection goes back.
    await client.query('SET statement_timeout = 0');
    await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`, [schema ?? '']);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    );
    const version = rows[0]?.version ?? 0;
    if (version > migrations.length) throw new SchemaTooNewError(version);
    for (let next = version; next < migrations.length; next++) {
      await client.query('BEGIN');
      await client.query(migrations[next]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [next + 1]);
      await client.query('COMMIT');
    }
    await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [schema ?? '']);
    await client.query('RESET statement_timeout');
    client.release();
  } catch (error) {
    // Destroying the connection ends its session, which rolls back an open migration and releases the lock.
    client.release(true);
    throw error;
  }
}
