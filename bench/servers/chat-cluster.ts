/**
 * The chat on PostgreSQL as one node or as a cluster of two over Redis
 * (scenarios 6 and 11): node A on the server core, node B on the load core
 * beside the clients, as in scenario 7. Each run gets a schema of its own,
 * dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { LOAD_CORE, SERVER_CORE } from '../support/pinned-process.ts';
import { type ChatProcess, startChatProcess } from './chat-process.ts';

export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A schema name no other run uses. */
export function freshSchema(): string {
  return `bench_chat_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** `nodes` chat nodes on PostgreSQL (`schema`), clustered over Redis when there are two. */
export async function startPostgresChat(nodes: 1 | 2, schema: string): Promise<ChatProcess[]> {
  const database = { url: DATABASE_URL, schema };
  if (nodes === 1) return [await startChatProcess({ database })];
  const cluster = { redisUrl: REDIS_URL, keyPrefix: schema, tokenSecret: randomUUID() + randomUUID() };
  // Node A migrates the schema before node B starts.
  const first = await startChatProcess({ database, cluster: { ...cluster, nodeId: 'a' }, core: SERVER_CORE });
  try {
    return [first, await startChatProcess({ database, cluster: { ...cluster, nodeId: 'b' }, core: LOAD_CORE })];
  } catch (error) {
    await first.stop();
    throw error;
  }
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
