import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../src/store/sqlite/migrations.ts';
import { DATABASE_FILE, SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { runStoreConformance } from './store-conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'data', DATABASE_FILE);
runStoreConformance('SqliteChatStore', async () => {
  const store = SqliteChatStore.open(file);
  return { store, close: () => store.close() };
});

describe('SqliteChatStore', () => {
  it('opens in WAL mode with the latest schema version', async () => {
    const path = join(dir, 'pragmas.db');
    const store = SqliteChatStore.open(path);
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    assert.throws(() => SqliteChatStore.open(path), /newer than this code knows/);
  });

  it('reports a failing database as STORE_UNAVAILABLE', async () => {
    const store = SqliteChatStore.open(join(dir, 'closed.db'));
    await store.close();
    await assert.rejects(store.getUser('x'), { name: 'ChatError', code: 'STORE_UNAVAILABLE' });
  });

  it('commits the appends of one event-loop turn together; one that fails fails alone, and close writes pending ones', async () => {
    const path = join(dir, 'group-commit.db');
    const store = SqliteChatStore.open(path);
    const author = await store.createUser({ id: randomUUID(), username: 'grace', guest: false, createdAt: 1 });
    const room = await store.createRoom({ id: randomUUID(), name: 'batch', createdBy: author.id, createdAt: 1 });
    const append = (roomId: string, clientMessageId: string, authorId = author.id) =>
      store.appendMessage({
        id: randomUUID(),
        roomId,
        authorId,
        authorName: author.username,
        text: `text ${clientMessageId}`,
        clientMessageId,
        at: 2,
      });
    // All issued in one turn: one transaction.
    const outcomes = await Promise.allSettled([
      append(room.id, 'a'),
      append('no-such-room', 'b'),
      append(room.id, 'c'),
      append(room.id, 'a'), // the retry of 'a' in the same batch sees the first
      // Fails after taking the room's next sequence number (the author is no user):
      // the number is given back with the rest of that append, not skipped.
      append(room.id, 'e', 'no-such-user'),
      append(room.id, 'f'),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.message.seq : 'rejected')),
      [1, 'rejected', 2, 1, 'rejected', 3],
    );
    assert.equal((outcomes[1] as PromiseRejectedResult).reason.code, 'ROOM_NOT_FOUND');
    assert.equal((outcomes[3] as PromiseFulfilledResult<{ created: boolean }>).value.created, false);
    assert.equal((outcomes[4] as PromiseRejectedResult).reason.code, 'STORE_UNAVAILABLE');
    assert.deepEqual(
      (await store.listMessages(room.id, { limit: 10 })).messages.map(({ seq, text }) => [seq, text]),
      [
        [1, 'text a'],
        [2, 'text c'],
        [3, 'text f'],
      ],
    );

    // An append still waiting for its turn's commit when the store closes is written, not lost.
    const late = append(room.id, 'd');
    await store.close();
    assert.equal((await late).message.seq, 4);
    const reopened = SqliteChatStore.open(path);
    try {
      assert.equal((await reopened.getRoom(room.id))?.lastSeq, 4);
    } finally {
      await reopened.close();
    }
  });

  it('writes a batch without savepoints, and in savepoints only when one of its appends failed', async () => {
    const statements: string[] = [];
    const store = SqliteChatStore.open(join(dir, 'savepoints.db'), { trace: (sql) => statements.push(sql) });
    try {
      const author = await store.createUser({ id: randomUUID(), username: 'linus', guest: false, createdAt: 1 });
      const room = await store.createRoom({ id: randomUUID(), name: 'batch', createdBy: author.id, createdAt: 1 });
      const batch = (authorIds: string[]) =>
        Promise.allSettled(
          authorIds.map((authorId) =>
            store.appendMessage({
              id: randomUUID(),
              roomId: room.id,
              authorId,
              authorName: author.username,
              text: 'hello',
              clientMessageId: randomUUID(),
              at: 2,
            }),
          ),
        );
      const savepoints = () => statements.filter((sql) => /^SAVEPOINT/i.test(sql)).length;
      statements.length = 0;
      await batch([author.id, author.id, author.id]);
      assert.equal(savepoints(), 0);
      const outcomes = await batch([author.id, 'no-such-user', author.id]);
      assert.deepEqual(
        outcomes.map(({ status }) => status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal(savepoints(), 3);
    } finally {
      await store.close();
    }
  });

  it('commits a turn’s replies with its sends, without a sync on the event loop; a reply that fails fails alone', async () => {
    const path = join(dir, 'replies.db');
    const statements: string[] = [];
    const store = SqliteChatStore.open(path, { trace: (sql) => statements.push(sql) });
    const author = await store.createUser({ id: randomUUID(), username: 'ada', guest: false, createdAt: 1 });
    const room = await store.createRoom({ id: randomUUID(), name: 'threads', createdBy: author.id, createdAt: 1 });
    await store.addMember(room.id, author.id, 1);
    const fields = (clientMessageId: string) => ({
      id: randomUUID(),
      roomId: room.id,
      authorId: author.id,
      authorName: author.username,
      text: `text ${clientMessageId}`,
      clientMessageId,
      at: 2,
    });
    const { message: root } = await store.appendMessage(fields('root'));
    const reply = (rootId: string, clientMessageId: string) =>
      store.appendReply({ ...fields(clientMessageId), rootId, alsoToRoom: false });
    const seqs = (outcomes: PromiseSettledResult<{ message: { seq: number } }>[]) =>
      outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.message.seq : outcome.reason.code));

    statements.length = 0;
    const first = await Promise.allSettled([
      store.appendMessage(fields('a')),
      reply(root.id, 'b'),
      reply(root.id, 'c'),
    ]);
    // The root is 2 (the join is 1); a reply takes two numbers: its own, then its root's threadUpdated.
    assert.deepEqual(seqs(first), [3, 4, 6]);
    const transactions = statements.filter((sql) => sql.startsWith('BEGIN IMMEDIATE'));
    assert.equal(transactions.length, 1, statements.join('\n'));
    // Committed in NORMAL mode: the fsync runs off the event loop.
    assert.equal(statements.indexOf('PRAGMA synchronous = NORMAL'), 0, statements.join('\n'));
    const firstReply = (first[1] as PromiseFulfilledResult<{ message: { id: string } }>).value.message;

    // A reply to a reply is refused (threads are one level deep) without the rest of its batch.
    const second = await Promise.allSettled([
      reply(root.id, 'd'),
      reply(firstReply.id, 'e'),
      reply(root.id, 'foxtrot'),
    ]);
    assert.deepEqual(seqs(second), [8, 'NOT_A_THREAD_ROOT', 10]);
    const stored = await store.getMessage(root.id);
    assert.deepEqual([stored?.thread?.replyCount, stored?.thread?.lastReplySeq], [4, 10]);
    // Replies are found by search, indexed with their batch.
    assert.deepEqual(
      (await store.searchMessages({ userId: author.id, terms: ['foxtrot'], roomId: room.id, limit: 5 })).map(
        ({ message }) => message.seq,
      ),
      [10],
    );

    // The replier's read position is written off the event loop too, durable once it resolves.
    statements.length = 0;
    assert.equal(await store.markThreadRead(author.id, root, 10), 10);
    const write = statements.findIndex((sql) => sql.startsWith('INSERT INTO thread_reads'));
    assert.ok(write > 0, statements.join('\n'));
    const normal = statements.lastIndexOf('PRAGMA synchronous = NORMAL', write);
    assert.ok(normal >= 0 && statements.indexOf('PRAGMA synchronous = FULL', normal) > write, statements.join('\n'));
    await store.close();
    const reopened = SqliteChatStore.open(path);
    try {
      assert.equal(await reopened.getThreadRead(author.id, root), 10);
      assert.equal((await reopened.getRoom(room.id))?.lastSeq, 11);
    } finally {
      await reopened.close();
    }
  });

  it('makes appends durable with a WAL sync off the event loop; reads and writes meanwhile see them in order', async () => {
    const path = join(dir, 'wal-sync.db');
    const store = SqliteChatStore.open(path);
    const author = await store.createUser({ id: randomUUID(), username: 'ada', guest: false, createdAt: 1 });
    const room = await store.createRoom({ id: randomUUID(), name: 'durable', createdBy: author.id, createdAt: 1 });
    const appended = store.appendMessage({
      id: randomUUID(),
      roomId: room.id,
      authorId: author.id,
      authorName: author.username,
      text: 'first',
      clientMessageId: 'first',
      at: 2,
    });
    // The turn's commit has run; its sync may still be running on the thread pool.
    await new Promise((resolve) => setImmediate(resolve));
    const [{ message }, events, topic] = await Promise.all([
      appended,
      store.listEvents(room.id, 0, 10),
      store.setRoomTopic(room.id, 'later', author.id, 3),
    ]);
    assert.equal(message.seq, 1);
    // The read waited for the sync if it was still running (and then may see the topic too).
    assert.equal(events[0]?.seq, 1);
    assert.equal(topic?.seq, 2);
    await store.close();
    const reopened = SqliteChatStore.open(path);
    try {
      assert.equal((await reopened.getRoom(room.id))?.lastSeq, 2);
    } finally {
      await reopened.close();
    }
  });

  it('records a guest’s activity with the WAL sync off the event loop, durable once it resolves', async () => {
    const path = join(dir, 'guest-activity.db');
    const statements: string[] = [];
    const store = SqliteChatStore.open(path, { trace: (sql) => statements.push(sql) });
    const guest = await store.createUser({ id: randomUUID(), username: 'guest-1', guest: true, createdAt: 1 });
    statements.length = 0;
    await store.recordGuestActivity(guest.id, 50, 50);
    // Committed in NORMAL mode (no fsync inside the commit, on the main thread), FULL again after.
    const update = statements.findIndex((sql) => sql.startsWith('UPDATE users SET last_seen_at'));
    assert.ok(update > 0, statements.join('\n'));
    assert.deepEqual(
      [statements.lastIndexOf('PRAGMA synchronous = NORMAL', update), statements.indexOf('PRAGMA synchronous = FULL')],
      [0, statements.length - 1],
      statements.join('\n'),
    );
    await store.close();
    const reopened = SqliteChatStore.open(path);
    try {
      assert.deepEqual(
        (await reopened.listIdleGuests(51, 10)).map(({ id }) => id),
        [guest.id],
      );
      assert.deepEqual(await reopened.listIdleGuests(50, 10), []);
    } finally {
      await reopened.close();
    }
  });
});
