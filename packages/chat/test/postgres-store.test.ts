/**
 * The PostgreSQL store against a real server: `TEST_DATABASE_URL`, by default
 * the development machine's `postgres://postgres@127.0.0.1:5432/test`. Each
 * run works in its own fresh schemas and drops them after, so runs in parallel
 * never meet.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { ChatStore } from '../src/ports/chat-store.ts';
import { migrations, SchemaTooNewError } from '../src/store/postgres/migrations.ts';
import { PostgresChatStore, type PostgresChatStoreOptions } from '../src/store/postgres/postgres-chat-store.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { runRateLimitConformance } from './rate-limit-conformance.ts';
import { runStoreConformance } from './store-conformance.ts';
import { databaseAddress, relayDatabase, startRelay } from './tcp-relay.ts';

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];

/** A schema name no other run uses, dropped when the file's tests end. */
function freshSchema(): string {
  const schema = `chat_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  schemas.push(schema);
  return schema;
}

after(async () => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
});

const conformanceSchema = freshSchema();
runStoreConformance('PostgresChatStore', async () => {
  const store = await PostgresChatStore.open({ connectionString: databaseUrl, schema: conformanceSchema });
  return { store, close: () => store.close() };
});

runRateLimitConformance('PostgresRateLimitStore', async () => {
  const store = await PostgresChatStore.open({ connectionString: databaseUrl, schema: conformanceSchema });
  return { limits: store.rateLimits, close: () => store.close() };
});

describe('PostgresChatStore', () => {
  /** Opens stores and closes them all when the test ends. */
  async function openStores(
    t: { after(fn: () => Promise<void>): void },
    count: number,
    options: Omit<PostgresChatStoreOptions, 'connectionString'> & { connectionString?: string },
  ): Promise<PostgresChatStore[]> {
    const opening = await Promise.allSettled(
      Array.from({ length: count }, () => PostgresChatStore.open({ connectionString: databaseUrl, ...options })),
    );
    const stores = opening.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    t.after(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });
    for (const result of opening) if (result.status === 'rejected') throw result.reason;
    return stores;
  }

  async function appliedVersions(schema: string): Promise<number[]> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>(
        `SELECT version FROM ${pg.escapeIdentifier(schema)}.schema_migrations ORDER BY version`,
      );
      return rows.map((row) => row.version);
    } finally {
      await client.end();
    }
  }

  async function roomWithMember(store: ChatStore): Promise<{ roomId: string; userId: string; username: string }> {
    const user = await store.createUser({
      id: randomUUID(),
      username: `u${randomUUID().slice(0, 8)}`,
      guest: false,
      createdAt: 1,
    });
    const room = await store.createRoom({
      id: randomUUID(),
      name: `r${randomUUID().slice(0, 8)}`,
      createdBy: null,
      createdAt: 1,
    });
    await store.addMember(room.id, user.id, 2);
    return { roomId: room.id, userId: user.id, username: user.username };
  }

  /** Message `i` of the member in the room (its text, client id and time follow `i`). */
  function numbered({ roomId, userId, username }: { roomId: string; userId: string; username: string }, i: number) {
    return {
      id: randomUUID(),
      roomId,
      authorId: userId,
      authorName: username,
      text: `text ${i}`,
      clientMessageId: `c${i}`,
      at: 10 + i,
    };
  }

  describe('migrations', () => {
    it('applies each migration once when several stores open a new schema at the same time', async (t) => {
      const schema = freshSchema();
      const stores = await openStores(t, 4, { schema, poolSize: 2 });
      const expected = Array.from({ length: migrations.length }, (_, i) => i + 1);
      assert.deepEqual(await appliedVersions(schema), expected);
      // Every store works on the one schema.
      const { roomId } = await roomWithMember(stores[0]!);
      assert.equal((await stores[3]!.getRoom(roomId))?.lastSeq, 1);

      await openStores(t, 1, { schema });
      assert.deepEqual(await appliedVersions(schema), expected);
    });

    it('refuses a schema migrated by a newer version of the chat', async (t) => {
      const schema = freshSchema();
      await (await openStores(t, 1, { schema }))[0]!.close();
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`INSERT INTO ${pg.escapeIdentifier(schema)}.schema_migrations (version) VALUES ($1)`, [
          migrations.length + 1,
        ]);
      } finally {
        await client.end();
      }
      await assert.rejects(PostgresChatStore.open({ connectionString: databaseUrl, schema }), (error: unknown) => {
        assert.ok(error instanceof SchemaTooNewError);
        assert.match(error.message, /newer than this code knows/);
        return true;
      });
    });

    it('rejects a schema name that is not a plain identifier', async () => {
      await assert.rejects(PostgresChatStore.open({ connectionString: databaseUrl, schema: 'chat; DROP' }), TypeError);
    });
  });

  describe('concurrency across nodes', () => {
    it('gives appends from two pools distinct, consecutive sequence numbers', async (t) => {
      const [one, two] = await openStores(t, 2, { schema: freshSchema(), poolSize: 4 });
      const { roomId, userId, username } = await roomWithMember(one!);
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 ? one! : two!).appendMessage({
            id: randomUUID(),
            roomId,
            authorId: userId,
            authorName: username,
            text: `message ${i}`,
            clientMessageId: null,
            at: 10 + i,
          }),
        ),
      );
      const expected = Array.from({ length: 60 }, (_, i) => i + 2);
      assert.deepEqual(
        results.map((result) => result.message.seq).sort((a, b) => a - b),
        expected,
      );
      assert.deepEqual(
        (await two!.listEvents(roomId, 1, 100)).map((event) => event.seq),
        expected,
      );
      assert.equal((await one!.getRoom(roomId))?.lastSeq, 61);
    });

    it('stores one message for a retry sent to two nodes at once', async (t) => {
      const [one, two] = await openStores(t, 2, { schema: freshSchema() });
      const { roomId, userId, username } = await roomWithMember(one!);
      const send = (store: ChatStore) =>
        store.appendMessage({
          id: randomUUID(),
          roomId,
          authorId: userId,
          authorName: username,
          text: 'once',
          clientMessageId: 'retry',
          at: 5,
        });
      const results = await Promise.all([send(one!), send(two!), send(one!), send(two!)]);
      assert.equal(results.filter((result) => result.created).length, 1);
      for (const result of results) assert.deepEqual(result.message, results[0]!.message);
      assert.equal((await one!.getRoom(roomId))?.lastSeq, 2);
    });

    it('numbers sends and replies to one thread from two pools consecutively; a refused reply fails alone', async (t) => {
      const [one, two] = await openStores(t, 2, { schema: freshSchema(), poolSize: 4 });
      const member = await roomWithMember(one!);
      const { roomId } = member;
      const fields = (i: number) => numbered(member, i);
      const { message: root } = await one!.appendMessage(fields(0));
      const { message: firstReply } = await two!.appendReply({ ...fields(1), rootId: root.id, alsoToRoom: false });
      // Issued in one turn on both nodes: 20 sends, 20 replies, and 4 replies to a reply.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 44 }, (_, i) => {
          const store = i % 2 ? one! : two!;
          if (i >= 40) return store.appendReply({ ...fields(100 + i), rootId: firstReply.id, alsoToRoom: false });
          return i % 4 < 2
            ? store.appendMessage(fields(100 + i))
            : store.appendReply({ ...fields(100 + i), rootId: root.id, alsoToRoom: false });
        }),
      );
      assert.deepEqual(
        outcomes.slice(40).map((outcome) => outcome.status === 'rejected' && outcome.reason.code),
        Array(4).fill('NOT_A_THREAD_ROOT'),
      );
      // The join is 1, the root 2, the first reply 3 and 4; then 20 sends of one number and 20 replies of two.
      const lastSeq = 4 + 20 + 2 * 20;
      assert.equal((await one!.getRoom(roomId))?.lastSeq, lastSeq);
      assert.deepEqual(
        (await two!.listEvents(roomId, 0, 100)).map((event) => event.seq),
        Array.from({ length: lastSeq }, (_, i) => i + 1),
      );
      const counted = await one!.getMessage(root.id);
      const replySeqs = outcomes
        .slice(0, 40)
        .filter((_, i) => i % 4 >= 2)
        .map((outcome) => (outcome as PromiseFulfilledResult<{ message: { seq: number } }>).value.message.seq);
      assert.deepEqual([counted?.thread?.replyCount, counted?.thread?.lastReplySeq], [21, Math.max(...replySeqs)]);
    });

    it('holds a busy room’s replies in memory while its lock is taken, not in the pool’s queue', async (t) => {
      // A pool of 2 whose waiters give up after 200 ms: 30 replies each waiting for a
      // connection of their own, behind a lock held for 600 ms, would fail.
      const schema = freshSchema();
      const [store] = await openStores(t, 1, {
        schema,
        poolSize: 2,
        connectionTimeoutMs: 200,
        queryTimeoutMs: 10_000,
      });
      const member = await roomWithMember(store!);
      const { roomId } = member;
      const fields = (i: number) => numbered(member, i);
      const { message: root } = await store!.appendMessage(fields(0));
      const holder = new pg.Client({ connectionString: databaseUrl });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM ${pg.escapeIdentifier(schema)}.rooms WHERE id = $1 FOR UPDATE`, [roomId]);
        const replies = Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            store!.appendReply({ ...fields(i + 1), rootId: root.id, alsoToRoom: false }),
          ),
        );
        await delay(600);
        await holder.query('COMMIT');
        const written = await replies;
        assert.deepEqual(
          written.map((result) => result.message.seq),
          Array.from({ length: 30 }, (_, i) => 3 + 2 * i),
        );
      } finally {
        await holder.end();
      }
    });

    it("reports a user's last connection once when two nodes remove connections at once", async (t) => {
      const [one, two] = await openStores(t, 2, { schema: freshSchema() });
      const { userId } = await roomWithMember(one!);
      for (let round = 0; round < 10; round++) {
        const [a, b] = [randomUUID(), randomUUID()];
        await one!.addConnection({ connectionId: a, userId, connectedAt: round });
        await two!.addConnection({ connectionId: b, userId, connectedAt: round });
        const removed = await Promise.all([one!.removeConnection(a), two!.removeConnection(b)]);
        assert.deepEqual(removed.map((removal) => removal?.remaining).sort(), [0, 1]);
      }
    });
  });

  describe('search', () => {
    it('answers the same snippets as the SQLite store', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'chat-pg-snippets-'));
      const sqlite = SqliteChatStore.open(join(dir, 'chat.db'));
      t.after(async () => {
        await sqlite.close();
        rmSync(dir, { recursive: true, force: true });
      });
      const [postgres] = await openStores(t, 1, { schema: freshSchema() });
      const words = (prefix: string, count: number) =>
        Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(' ');
      const cases: Array<{ text: string; terms: string[] }> = [
        { text: `${words('w', 60)} target ${words('x', 60)}!!`, terms: ['target'] },
        { text: `(target) ${words('x', 60)} alpha`, terms: ['target'] },
        { text: `${words('x', 60)} target.`, terms: ['targ'] },
        { text: `${words('x', 40)} target alpha ${words('y', 40)} alpha target`, terms: ['alpha', 'target'] },
        { text: '  ...Hello, world! Café CAFÉ cafeteria naïve <i>x</i>', terms: ['cafe', 'naive'] },
        { text: 'mail user@example.com or see a/b/c-d_e', terms: ['example', 'd'] },
      ];
      for (const store of [sqlite, postgres!] as ChatStore[]) {
        const { roomId, userId, username } = await roomWithMember(store);
        for (const [i, { text }] of cases.entries()) {
          await store.appendMessage({
            id: `m${i}`,
            roomId,
            authorId: userId,
            authorName: username,
            text,
            clientMessageId: null,
            at: 10 + i,
          });
        }
      }
      for (const [i, { terms }] of cases.entries()) {
        const snippets = await Promise.all(
          [sqlite, postgres!].map(async (store: ChatStore) => {
            const userId = (await store.getMessage(`m${i}`))!.authorId;
            const hits = await store.searchMessages({ userId, terms, limit: 10 });
            return hits.find((hit) => hit.message.id === `m${i}`)?.snippet;
          }),
        );
        assert.ok(snippets[0], `SQLite finds case ${i}`);
        assert.deepEqual(snippets[1], snippets[0], `case ${i}`);
      }
    });
  });

  describe('failures', () => {
    it('rejects opening an unreachable database with STORE_UNAVAILABLE', async () => {
      await assert.rejects(
        PostgresChatStore.open({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMs: 2000 }),
        { name: 'ChatError', code: 'STORE_UNAVAILABLE' },
      );
    });

    it('fails with STORE_UNAVAILABLE while the database is unreachable, and recovers when it is back', async (t) => {
      const { relay: proxy, url } = await relayDatabase(databaseUrl);
      t.after(() => proxy.cut());
      const [store] = await openStores(t, 1, {
        connectionString: url,
        schema: freshSchema(),
        connectionTimeoutMs: 2000,
      });
      const { roomId, userId } = await roomWithMember(store!);

      await proxy.cut();
      await assert.rejects(store!.getRoom(roomId), { name: 'ChatError', code: 'STORE_UNAVAILABLE' });
      await assert.rejects(store!.addMember(roomId, userId, 3), { name: 'ChatError', code: 'STORE_UNAVAILABLE' });

      const back = await startRelay(databaseAddress(databaseUrl), proxy.port);
      t.after(() => back.cut());
      assert.equal((await store!.getRoom(roomId))?.lastSeq, 1);
    });

    it('never commits a write that timed out in a partition later; a retry stores it once', async (t) => {
      const { relay, url } = await relayDatabase(databaseUrl);
      t.after(() => relay.cut());
      const idleInTransactionTimeoutMs = 1000;
      const [store] = await openStores(t, 1, {
        connectionString: url,
        schema: freshSchema(),
        queryTimeoutMs: 500,
        connectTimeoutMs: 500,
        idleInTransactionTimeoutMs,
        poolSize: 8,
      });
      const member = await roomWithMember(store!);
      const { roomId } = member;
      const append = (i: number) => store!.appendMessage(numbered(member, i));
      // Writes in flight in every phase of their transaction when the packets start to drop.
      const outcomes = Array.from({ length: 40 }, (_, i) =>
        delay(i * 5).then(() =>
          append(i).then(
            () => 'stored' as const,
            (error: { code?: string }) => error.code,
          ),
        ),
      );
      await delay(60);
      relay.blackhole();
      const settled = await Promise.all(outcomes);
      assert.ok(
        settled.every((outcome) => outcome === 'stored' || outcome === 'STORE_UNAVAILABLE'),
        String(settled),
      );
      assert.ok(settled.includes('STORE_UNAVAILABLE'));
      relay.heal();
      const stored = async () =>
        (await store!.listMessages(roomId, { limit: 100 })).messages.map((message) => message.clientMessageId);
      // The first requests after the partition may still meet connections that died in it.
      let afterHeal: Array<string | null> | undefined;
      for (let attempt = 0; afterHeal === undefined && attempt < 50; attempt++) {
        afterHeal = await stored().catch(() => delay(100).then(() => undefined));
      }
      assert.ok(afterHeal, 'the store answers again after the partition');
      // Past the server's idle-in-transaction timeout, a cut-off transaction has rolled back, not committed.
      await delay(idleInTransactionTimeoutMs * 2);
      assert.deepEqual(await stored(), afterHeal);
      for (const [i, outcome] of settled.entries()) {
        if (outcome === 'stored') assert.ok(afterHeal.includes(`c${i}`));
      }
      // Whatever a timed-out write did, sending it again stores it exactly once.
      for (const [i, outcome] of settled.entries()) {
        if (outcome !== 'stored') {
          const again = await append(i);
          assert.equal(again.created, !afterHeal.includes(`c${i}`));
        }
      }
      const ids = await stored();
      assert.deepEqual([...ids].sort(), Array.from({ length: 40 }, (_, i) => `c${i}`).sort());
    });

    it('serves the next request after the server ended its connections', async (t) => {
      const applicationName = `chat-test-${randomUUID()}`;
      const [store] = await openStores(t, 1, { schema: freshSchema(), applicationName });
      const { roomId } = await roomWithMember(store!);
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ ended: boolean }>(
          'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1',
          [applicationName],
        );
        assert.ok(rows.length > 0 && rows.every((row) => row.ended));
      } finally {
        await admin.end();
      }
      // The first request may still meet a connection the pool has not yet seen die.
      await store!.getRoom(roomId).catch((error: unknown) => {
        assert.equal((error as { code?: unknown }).code, 'STORE_UNAVAILABLE');
      });
      assert.equal((await store!.getRoom(roomId))?.lastSeq, 1);
    });

    it('reports a closed store as STORE_UNAVAILABLE', async () => {
      const store = await PostgresChatStore.open({ connectionString: databaseUrl, schema: freshSchema() });
      await store.close();
      await assert.rejects(store.getUser('x'), { name: 'ChatError', code: 'STORE_UNAVAILABLE' });
      await assert.rejects(store.removeConnection('x'), { name: 'ChatError', code: 'STORE_UNAVAILABLE' });
    });
  });
});
