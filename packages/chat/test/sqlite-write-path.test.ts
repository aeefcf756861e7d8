/**
 * What stays off SQLite's write path, through the real handlers and sockets:
 * connecting, `typing` and `markRead` frames write no transaction to the
 * database file (each would be an fsync on the event loop); read markers are
 * written together later, forward only, and every answer meanwhile is exact.
 * Write transactions are counted from the statements the store runs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { User } from '../src/domain/types.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { startChatOnStore } from './chat-on-store.ts';
import { ChatClient } from './chat-test-client.ts';
import { appendMessages } from './store-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-sqlite-write-path-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Frames of each kind the looping client sends. */
const BURST = 200;

describe('SQLite keeps typing, presence and read markers off the write path', () => {
  it('a burst of typing and markRead frames writes nothing until the markers are flushed, once', async () => {
    const file = join(dir, 'burst.db');
    let transactions = 0;
    const store = SqliteChatStore.open(file, {
      // Longer than the test: the only flush is the one at close.
      readMarkerFlushMs: 600_000,
      trace: (sql) => {
        if (sql.startsWith('BEGIN IMMEDIATE')) transactions++;
      },
    });
    const chat = await startChatOnStore(store, 'channels');
    const sockets: ChatClient[] = [];
    try {
      let at = Date.now();
      const user = (): Promise<User> =>
        store.createUser({ id: randomUUID(), username: `u${randomUUID().slice(0, 8)}`, guest: false, createdAt: at++ });
      const [ada, bob] = [await user(), await user()];
      const room = await store.createRoom({
        id: randomUUID(),
        name: `r${randomUUID().slice(0, 8)}`,
        createdBy: null,
        createdAt: at++,
      });
      await store.addMember(room.id, ada.id, at++);
      await store.addMember(room.id, bob.id, at++);
      await appendMessages(store, room, ada, 20);
      const lastSeq = (await store.getRoom(room.id))!.lastSeq;

      // Signing in records a session; that write is not what this test counts.
      const tokens = new Map([
        [ada.id, await chat.tokenFor(ada)],
        [bob.id, await chat.tokenFor(bob)],
      ]);
      const before = transactions;
      const connect = async (who: User) => {
        const socket = await ChatClient.connect(chat.webSocketUrl, tokens.get(who.id)!);
        sockets.push(socket);
        return socket;
      };
      const [onAda, bobLooping, bobOther] = [await connect(ada), await connect(bob), await connect(bob)];
      assert.equal(transactions, before, 'connecting writes nothing to the file');

      // The looping client: typing and markRead, alternately, as fast as it can, asking for the
      // marker to go forward and back (it only goes forward).
      const asked = new Map<string, number>();
      for (let i = 0; i < BURST; i++) {
        bobLooping.send({ action: 'typing', roomId: room.id });
        const seq = i % 2 === 0 ? Math.min(lastSeq, Math.floor(3 + i / 10)) : 2;
        asked.set(`m${i}`, seq);
        bobLooping.send({ action: 'markRead', roomId: room.id, seq, requestId: `m${i}` });
      }
      bobLooping.send({ action: 'markRead', roomId: room.id, seq: lastSeq, requestId: 'last' });
      const last = await bobLooping.waitFor((f) => f.requestId === 'last', 'the last read answer');
      assert.deepEqual([last.type, last.lastReadSeq, last.unread], ['read', lastSeq, 0]);
      const answers = bobLooping.all((f) => f.type === 'read');
      assert.equal(answers.length, BURST + 1, 'every markRead is answered');
      for (const answer of answers) {
        assert.ok(answer.lastReadSeq >= (asked.get(answer.requestId) ?? lastSeq), 'at least where it was asked to be');
        assert.equal(
          answer.unread,
          lastSeq - answer.lastReadSeq,
          `unread follows the marker: ${JSON.stringify(answer)}`,
        );
      }
      assert.equal(transactions, before, 'no write transaction for typing or markRead frames');

      // Everyone sees the marker that is only in memory so far.
      await bobOther.waitFor((f) => f.type === 'read' && f.lastReadSeq === lastSeq, 'the read on the other tab');
      const welcome = await bobOther.ok({ action: 'hello' });
      const summary = welcome.rooms.find((r: { id: string }) => r.id === room.id);
      assert.deepEqual([summary.lastReadSeq, summary.unread], [lastSeq, 0]);
      await onAda.waitFor((f) => f.type === 'typing' && f.user.id === bob.id, 'the typing indicator');
    } finally {
      await Promise.all(sockets.map((socket) => socket.close()));
      await chat.close();
      const beforeClose = transactions;
      await store.close();
      assert.equal(transactions - beforeClose, 1, 'the markers are written in one transaction at close');
    }

    const reopened = SqliteChatStore.open(file);
    try {
      const rooms = (await reopened.listPublicRooms(randomUUID(), { limit: 1000 })).map(({ room }) => room.id);
      assert.equal(rooms.length, 1);
      const [roomId] = rooms as [string];
      const members = await reopened.listMembers(roomId, { limit: 1000 });
      const marks = await Promise.all(
        members.map(async ({ user }) => (await reopened.getMembership(roomId, user.id))?.lastReadSeq),
      );
      const lastSeq = (await reopened.getRoom(roomId))!.lastSeq;
      assert.ok(marks.includes(lastSeq), `bob's marker is durable: ${marks}`);
    } finally {
      await reopened.close();
    }
  });

  it('writes pending markers every readMarkerFlushMs, forward only', async () => {
    const store = SqliteChatStore.open(join(dir, 'interval.db'), { readMarkerFlushMs: 20 });
    try {
      let at = 1;
      const ada = await store.createUser({ id: randomUUID(), username: 'ada', guest: false, createdAt: at++ });
      const bob = await store.createUser({ id: randomUUID(), username: 'bob', guest: false, createdAt: at++ });
      const room = await store.createRoom({ id: randomUUID(), name: 'flush', createdBy: null, createdAt: at++ });
      await store.addMember(room.id, ada.id, at++);
      await appendMessages(store, room, bob, 5);
      assert.equal((await store.markRead(room.id, ada.id, 4))?.unread, 2);
      assert.equal((await store.markRead(room.id, ada.id, 2))?.membership.lastReadSeq, 4);
      // Read through a second connection to the file: only what was written shows there.
      const reader = SqliteChatStore.open(join(dir, 'interval.db'));
      try {
        for (let attempt = 0; (await reader.getMembership(room.id, ada.id))?.lastReadSeq !== 4; attempt++) {
          assert.ok(attempt < 400, 'the marker reaches the file');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        await reader.close();
      }
    } finally {
      await store.close();
    }
  });
});
