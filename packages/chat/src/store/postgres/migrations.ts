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
    client.release();
  } catch (error) {
    // Destroying the connection ends its session, which rolls back an open migration and releases the lock.
    client.release(true);
    throw error;
  }
}
