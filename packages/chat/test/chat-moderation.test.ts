/**
 * Roles and moderation (docs/protocol.md: setMemberRole, removeMember and its
 * ban, ban, unban and bans, setReadOnly, deleteMessage by a moderator) end to end: real `ws` clients
 * through the real gateway of an embedded server on a SQLite file. Every action
 * and every refusal: an outsider, a member without the role, a removed member.
 * Negative assertions ("C never receives X") are made after a `ping` round trip
 * on C (`sync`), which proves every frame written to C before it has arrived.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatErrorCode } from '../src/domain/errors.ts';
import type { Session } from '../src/domain/types.ts';
import { type ChatServer, startChatServer } from '../src/server.ts';
import { ChatClient, type Frame, PASSWORD, postJson, register, uniqueName, upgradeStatus } from './chat-test-client.ts';
import { embeddedTestServer } from './test-settings.ts';

/** The one server admin (`CHAT_ADMINS`). */
const SERVER_ADMIN = 'site-admin';

describe('roles and moderation over the gateway, on SQLite', () => {
  let dataDir: string;
  let chat: ChatServer;
  const clients: ChatClient[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-moderation-'));
    chat = await startChatServer({ ...embeddedTestServer(dataDir), serverAdmins: [SERVER_ADMIN] });
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await chat.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  interface Person {
    session: Session;
    client: ChatClient;
    id: string;
  }

  /** The configured server admin, signed up on first use and signed in again after. */
  let siteAdminSession: Session | undefined;
  async function adminPerson(): Promise<Person> {
    siteAdminSession ??= await register(chat.url, SERVER_ADMIN);
    const client = await ChatClient.connect(chat.webSocketUrl, siteAdminSession.token);
    clients.push(client);
    const welcome = await client.ok({ action: 'hello' });
    assert.equal(welcome.serverAdmin, true);
    return { session: siteAdminSession, client, id: siteAdminSession.user.id };
  }

  async function user(username?: string): Promise<Person> {
    const session = await register(chat.url, username);
    const client = await ChatClient.connect(chat.webSocketUrl, session.token);
    clients.push(client);
    const welcome = await client.ok({ action: 'hello' });
    assert.equal(welcome.serverAdmin, false);
    return { session, client, id: session.user.id };
  }

  /** A room `owner` created, joined by the others. */
  async function room(owner: Person, ...others: Person[]): Promise<string> {
    const { room } = await owner.client.ok({ action: 'createRoom', name: uniqueName('room') });
    for (const other of others) await other.client.ok({ action: 'joinRoom', roomId: room.id });
    return room.id as string;
  }

  /** A room owned by ada, with bob its admin, cat a member, and eve an outsider. */
  async function cast(): Promise<{ ada: Person; bob: Person; cat: Person; eve: Person; roomId: string }> {
    const [ada, bob, cat, eve] = [await user(), await user(), await user(), await user()];
    const roomId = await room(ada, bob, cat);
    await ada.client.ok({ action: 'setMemberRole', roomId, userId: bob.id, role: 'admin' });
    return { ada, bob, cat, eve, roomId };
  }

  function assertError(frame: Frame, code: keyof typeof ChatErrorCode, action: string): void {
    assert.equal(frame.type, 'error', JSON.stringify(frame));
    assert.equal(frame.code, code, JSON.stringify(frame));
    assert.equal(frame.action, action);
    assert.equal(frame.message.length > 0, true);
  }

  const setRole = (by: Person, roomId: string, target: Person, role: 'admin' | 'member') =>
    by.client.request({ action: 'setMemberRole', roomId, userId: target.id, role });
  const remove = (by: Person, roomId: string, target: Person) =>
    by.client.request({ action: 'removeMember', roomId, userId: target.id });
  const setReadOnly = (by: Person, roomId: string, readOnly: boolean) =>
    by.client.request({ action: 'setReadOnly', roomId, readOnly });
  const send = (by: Person, roomId: string, text: string) =>
    by.client.request({ action: 'sendMessage', roomId, text, clientMessageId: randomUUID() });

  async function roles(viewer: Person, roomId: string): Promise<Record<string, string>> {
    const { members } = await viewer.client.ok({ action: 'members', roomId });
    return Object.fromEntries(members.map((member: Frame) => [member.user.id, member.role]));
  }

  describe('setMemberRole', () => {
    it('lets the owner make a member an admin and back, live for the room and in the member list', async () => {
      const ada = await user();
      const bob = await user();
      const { room: created } = await ada.client.ok({ action: 'createRoom', name: uniqueName('room') });
      assert.equal(created.role, 'owner');
      const roomId = created.id as string;
      const joined = await bob.client.ok({ action: 'joinRoom', roomId });
      assert.equal(joined.room.role, 'member');
      assert.deepEqual(await roles(bob, roomId), { [ada.id]: 'owner', [bob.id]: 'member' });

      const made = await ada.client.ok({ action: 'setMemberRole', roomId, userId: bob.id, role: 'admin' });
      assert.equal(made.type, 'memberRoleChanged');
      assert.equal(made.user.id, bob.id);
      assert.equal(made.role, 'admin');
      const seen = await bob.client.waitFor((f) => f.type === 'memberRoleChanged' && f.seq === made.seq);
      assert.equal(seen.role, 'admin');
      assert.deepEqual(await roles(ada, roomId), { [ada.id]: 'owner', [bob.id]: 'admin' });
      const summary = (await bob.client.ok({ action: 'listRooms' })).joined.find((r: Frame) => r.id === roomId);
      assert.equal(summary.role, 'admin');

      const again = await ada.client.ok({ action: 'setMemberRole', roomId, userId: bob.id, role: 'admin' });
      assert.deepEqual(
        { ...again, requestId: undefined },
        { type: 'roleUnchanged', roomId, userId: bob.id, role: 'admin', requestId: undefined },
      );
      // An admin may set the topic too.
      await bob.client.ok({ action: 'setTopic', roomId, topic: 'set by an admin' });

      const back = await ada.client.ok({ action: 'setMemberRole', roomId, userId: bob.id, role: 'member' });
      assert.equal(back.role, 'member');
      assert.deepEqual(await roles(ada, roomId), { [ada.id]: 'owner', [bob.id]: 'member' });
      assertError(
        await bob.client.request({ action: 'setTopic', roomId, topic: 'not any more' }),
        'NOT_ROOM_MODERATOR',
        'setTopic',
      );
      // Catch-up restores both changes in order.
      const { rooms } = await bob.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: made.seq - 1 }] });
      assert.deepEqual(
        rooms[0].events.filter((e: Frame) => e.type === 'memberRoleChanged').map((e: Frame) => e.role),
        ['admin', 'member'],
      );
    });

    it('refuses an outsider, a member, an admin, the owner’s own role, a non-member, `general` and a direct conversation', async () => {
      const { ada, bob, cat, eve, roomId } = await cast();

      assertError(await setRole(eve, roomId, cat, 'admin'), 'NOT_A_MEMBER', 'setMemberRole');
      assertError(await setRole(cat, roomId, cat, 'admin'), 'NOT_ROOM_OWNER', 'setMemberRole');
      assertError(await setRole(bob, roomId, cat, 'admin'), 'NOT_ROOM_OWNER', 'setMemberRole');
      assertError(await setRole(ada, roomId, ada, 'member'), 'CANNOT_MODERATE_MEMBER', 'setMemberRole');
      assertError(await setRole(ada, roomId, eve, 'admin'), 'MEMBER_NOT_FOUND', 'setMemberRole');
      const general = (await ada.client.ok({ action: 'listRooms' })).joined.find((r: Frame) => r.name === 'general');
      assertError(await setRole(ada, general.id, bob, 'admin'), 'NOT_ROOM_OWNER', 'setMemberRole');
      const dm = await ada.client.ok({ action: 'openDirect', userId: bob.id });
      assert.equal(dm.room.role, 'member');
      assertError(await setRole(ada, dm.room.id, bob, 'admin'), 'DIRECT_CONVERSATION', 'setMemberRole');
      assertError(await setRole(eve, dm.room.id, bob, 'admin'), 'ROOM_NOT_FOUND', 'setMemberRole');
      // The model refuses an unknown role before any handler runs.
      ada.client.send({ action: 'setMemberRole', roomId, userId: cat.id, role: 'owner' });
      await ada.client.waitFor((f) => f.message === 'Invalid request body', 'the model’s refusal');
      assert.deepEqual(await roles(ada, roomId), { [ada.id]: 'owner', [bob.id]: 'admin', [cat.id]: 'member' });
    });
  });

  describe('removeMember', () => {
    it('lets an admin remove a member, who loses the room at once and is told; the room sees memberLeft', async () => {
      const { ada, bob, cat, roomId } = await cast();
      const { message } = await cat.client.ok({
        action: 'sendMessage',
        roomId,
        text: 'before',
        clientMessageId: randomUUID(),
      });

      const left = await bob.client.ok({ action: 'removeMember', roomId, userId: cat.id });
      assert.equal(left.type, 'memberLeft');
      assert.equal(left.user.id, cat.id);
      await ada.client.waitFor((f) => f.type === 'memberLeft' && f.seq === left.seq);
      const notice = await cat.client.waitFor((f) => f.type === 'removedFromRoom');
      assert.deepEqual([notice.roomId, notice.by.id], [roomId, bob.id]);

      // Gone: the stream, history, catch-up, the message, the member list.
      await send(ada, roomId, 'after the removal');
      await cat.client.sync();
      assert.equal(
        cat.client.all((f) => f.type === 'message' && f.roomId === roomId && f.message.text === 'after the removal')
          .length,
        0,
      );
      assertError(await cat.client.request({ action: 'history', roomId }), 'NOT_A_MEMBER', 'history');
      const caughtUp = await cat.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: 0 }] });
      assert.deepEqual(caughtUp.notMember, [roomId]);
      assertError(
        await cat.client.request({ action: 'deleteMessage', messageId: message.id }),
        'MESSAGE_NOT_FOUND',
        'deleteMessage',
      );
      assert.deepEqual(await roles(ada, roomId), { [ada.id]: 'owner', [bob.id]: 'admin' });
      // A removed member refused as any non-member.
      assertError(await remove(cat, roomId, bob), 'NOT_A_MEMBER', 'removeMember');
      assertError(await send(cat, roomId, 'let me back'), 'NOT_A_MEMBER', 'sendMessage');
    });

    it('lets the owner remove an admin, who joins again as a plain member', async () => {
      const ada = await user();
      const bob = await user();
      const roomId = await room(ada, bob);
      await ada.client.ok({ action: 'setMemberRole', roomId, userId: bob.id, role: 'admin' });
      await ada.client.ok({ action: 'removeMember', roomId, userId: bob.id });
      await bob.client.waitFor((f) => f.type === 'removedFromRoom' && f.roomId === roomId);
      const again = await bob.client.ok({ action: 'joinRoom', roomId });
      assert.equal(again.room.role, 'member');
    });

    it('bans with the removal: no joining, no link, no member adding them, until the owner or an admin does', async () => {
      const { ada, bob, cat, eve, roomId } = await cast();
      const link = await ada.client.ok({ action: 'createInvite', roomId });
      const left = await bob.client.ok({ action: 'removeMember', roomId, userId: cat.id, ban: true });
      assert.equal(left.type, 'memberLeft');
      const notice = await cat.client.waitFor((f) => f.type === 'removedFromRoom' && f.roomId === roomId);
      assert.deepEqual([notice.by.id, notice.banned], [bob.id, true]);

      assertError(await cat.client.request({ action: 'joinRoom', roomId }), 'BANNED_FROM_ROOM', 'joinRoom');
      const redeemed = await cat.client.request({ action: 'redeemInvite', token: link.token });
      assertError(redeemed, 'BANNED_FROM_ROOM', 'redeemInvite');
      // The refused try took no use of the link.
      const [listed] = (await ada.client.ok({ action: 'invites', roomId })).invites;
      assert.equal(listed.uses, 0);
      // A member may add people, but not one the room's moderators keep out.
      await eve.client.ok({ action: 'joinRoom', roomId });
      const byMember = await eve.client.request({
        action: 'inviteMember',
        roomId,
        username: cat.session.user.username,
      });
      assertError(byMember, 'BANNED_FROM_ROOM', 'inviteMember');
      assert.equal((await roles(ada, roomId))[cat.id], undefined);

      // An admin adding them back lifts the ban: they may leave and join again as anyone.
      await bob.client.ok({ action: 'inviteMember', roomId, username: cat.session.user.username });
      await cat.client.waitFor((f) => f.type === 'roomJoined' && f.room.id === roomId);
      await cat.client.ok({ action: 'leaveRoom', roomId });
      await cat.client.ok({ action: 'joinRoom', roomId });
      const { entries } = await ada.client.ok({ action: 'auditLog', roomId });
      assert.deepEqual(
        entries.slice(0, 2).map((entry: Frame) => [entry.action, entry.actor.id, entry.target.id, entry.detail]),
        [
          ['banLifted', bob.id, cat.id, null],
          ['memberRemoved', bob.id, cat.id, 'banned'],
        ],
      );

      // A removal without a ban keeps no one out, and says no ban.
      const mark = cat.client.frames.length;
      await bob.client.ok({ action: 'removeMember', roomId, userId: cat.id });
      const kicked = await cat.client.waitFor((f) => f.type === 'removedFromRoom', 'the notice', mark);
      assert.equal(kicked.banned, undefined);
      await cat.client.ok({ action: 'joinRoom', roomId });
    });

    it('refuses an outsider, a member, an admin against the owner or an admin, a non-member and a direct conversation', async () => {
      const ada = await user();
      const bob = await user();
      const dan = await user();
      const cat = await user();
      const eve = await user();
      const roomId = await room(ada, bob, dan, cat);
      await ada.client.ok({ action: 'setMemberRole', roomId, userId: bob.id, role: 'admin' });
      await ada.client.ok({ action: 'setMemberRole', roomId, userId: dan.id, role: 'admin' });

      assertError(await remove(eve, roomId, cat), 'NOT_A_MEMBER', 'removeMember');
      assertError(await remove(cat, roomId, bob), 'NOT_ROOM_MODERATOR', 'removeMember');
      assertError(await remove(bob, roomId, ada), 'CANNOT_MODERATE_MEMBER', 'removeMember');
      assertError(await remove(bob, roomId, dan), 'CANNOT_MODERATE_MEMBER', 'removeMember');
      assertError(await remove(ada, roomId, ada), 'CANNOT_MODERATE_MEMBER', 'removeMember');
      assertError(await remove(bob, roomId, eve), 'MEMBER_NOT_FOUND', 'removeMember');
      const dm = await ada.client.ok({ action: 'openDirect', userId: cat.id });
      assertError(await remove(ada, dm.room.id, cat), 'DIRECT_CONVERSATION', 'removeMember');
      assertError(await remove(eve, dm.room.id, cat), 'ROOM_NOT_FOUND', 'removeMember');
      assert.equal(Object.keys(await roles(ada, roomId)).length, 4);
    });
  });

  describe('ban, unban and bans', () => {
    it('bans someone who left and someone who never joined; lists the bans; unban lets them back', async () => {
      const { ada, bob, cat, eve, roomId } = await cast();
      await cat.client.ok({ action: 'leaveRoom', roomId });
      const banned = await bob.client.ok({ action: 'ban', roomId, userId: cat.id });
      assert.deepEqual([banned.type, banned.roomId, banned.user.id, banned.removed], ['banned', roomId, cat.id, false]);
      // By username too, in any case, with an @ before it.
      const byName = await ada.client.ok({
        action: 'ban',
        roomId,
        username: ` @${eve.session.user.username.toUpperCase()}`,
      });
      assert.deepEqual([byName.user.id, byName.removed], [eve.id, false]);
      // Again: nothing changes, and the log says it once.
      assert.equal((await ada.client.ok({ action: 'ban', roomId, userId: eve.id })).removed, false);
      assertError(await cat.client.request({ action: 'joinRoom', roomId }), 'BANNED_FROM_ROOM', 'joinRoom');
      assertError(await eve.client.request({ action: 'joinRoom', roomId }), 'BANNED_FROM_ROOM', 'joinRoom');

      const { bans } = await bob.client.ok({ action: 'bans', roomId });
      assert.deepEqual(
        bans.map((ban: Frame) => [ban.user.id, ban.user.username, typeof ban.bannedAt]),
        [cat, eve]
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((person) => [person.id, person.session.user.username, 'number']),
      );

      const unbanned = await bob.client.ok({ action: 'unban', roomId, userId: cat.id });
      assert.deepEqual([unbanned.type, unbanned.user.id, unbanned.lifted], ['unbanned', cat.id, true]);
      assert.equal((await bob.client.ok({ action: 'unban', roomId, userId: cat.id })).lifted, false);
      // Not added back by it: she joins herself.
      assert.equal((await roles(ada, roomId))[cat.id], undefined);
      await cat.client.ok({ action: 'joinRoom', roomId });
      assert.deepEqual(
        (await ada.client.ok({ action: 'bans', roomId })).bans.map((ban: Frame) => ban.user.id),
        [eve.id],
      );
      const { entries } = await ada.client.ok({ action: 'auditLog', roomId });
      assert.deepEqual(
        entries.slice(0, 3).map((entry: Frame) => [entry.action, entry.actor.id, entry.target.id]),
        [
          ['banLifted', bob.id, cat.id],
          ['userBanned', ada.id, eve.id],
          ['userBanned', bob.id, cat.id],
        ],
      );
    });

    it('bans a member as removeMember with a ban does: removed, told, kept out', async () => {
      const { ada, bob, cat, roomId } = await cast();
      const mark = ada.client.frames.length;
      const banned = await bob.client.ok({ action: 'ban', roomId, userId: cat.id });
      assert.equal(banned.removed, true);
      const notice = await cat.client.waitFor((f) => f.type === 'removedFromRoom' && f.roomId === roomId);
      assert.deepEqual([notice.by.id, notice.banned], [bob.id, true]);
      const left = await ada.client.waitFor((f) => f.type === 'memberLeft' && f.roomId === roomId, 'memberLeft', mark);
      assert.equal(left.user.id, cat.id);
      assertError(await cat.client.request({ action: 'joinRoom', roomId }), 'BANNED_FROM_ROOM', 'joinRoom');
      const [entry] = (await ada.client.ok({ action: 'auditLog', roomId })).entries;
      assert.deepEqual([entry.action, entry.target.id, entry.detail], ['memberRemoved', cat.id, 'banned']);
    });

    it('refuses an outsider, a member, the owner, yourself, an admin against an admin, an unknown user, a direct conversation and a foreign cursor', async () => {
      const { ada, bob, cat, eve, roomId } = await cast();
      const dan = await user();
      await dan.client.ok({ action: 'joinRoom', roomId });
      await ada.client.ok({ action: 'setMemberRole', roomId, userId: dan.id, role: 'admin' });
      const ban = (by: Person, userId: string) => by.client.request({ action: 'ban', roomId, userId });
      assertError(await ban(eve, cat.id), 'NOT_A_MEMBER', 'ban');
      assertError(await ban(cat, eve.id), 'NOT_ROOM_MODERATOR', 'ban');
      assertError(await ban(bob, ada.id), 'CANNOT_MODERATE_MEMBER', 'ban');
      assertError(await ban(bob, bob.id), 'CANNOT_MODERATE_MEMBER', 'ban');
      assertError(await ban(bob, dan.id), 'CANNOT_MODERATE_MEMBER', 'ban');
      assertError(await ban(bob, randomUUID()), 'USER_NOT_FOUND', 'ban');
      assertError(
        await bob.client.request({ action: 'ban', roomId, username: 'nobody-here' }),
        'USER_NOT_FOUND',
        'ban',
      );
      assertError(
        await bob.client.request({ action: 'ban', roomId, username: bob.session.user.username }),
        'CANNOT_MODERATE_MEMBER',
        'ban',
      );
      assertError(await cat.client.request({ action: 'unban', roomId, userId: eve.id }), 'NOT_ROOM_MODERATOR', 'unban');
      assertError(await cat.client.request({ action: 'bans', roomId }), 'NOT_ROOM_MODERATOR', 'bans');
      assertError(await eve.client.request({ action: 'bans', roomId }), 'NOT_A_MEMBER', 'bans');
      const { nextCursor } = await ada.client.ok({ action: 'members', roomId });
      const foreign = nextCursor ?? Buffer.from(JSON.stringify(['members', 'a', 'b'])).toString('base64url');
      assertError(await ada.client.request({ action: 'bans', roomId, cursor: foreign }), 'BAD_REQUEST', 'bans');
      const dm = await ada.client.ok({ action: 'openDirect', userId: cat.id });
      assertError(
        await ada.client.request({ action: 'ban', roomId: dm.room.id, userId: cat.id }),
        'DIRECT_CONVERSATION',
        'ban',
      );
      assert.equal(Object.keys(await roles(ada, roomId)).length, 4);
    });
  });

  describe('deleteMessage by a moderator', () => {
    it('shows the message as removed by a moderator to everyone, in history and after catch-up', async () => {
      const { ada, bob, cat, roomId } = await cast();
      const { message } = await cat.client.ok({ action: 'sendMessage', roomId, text: 'spam', clientMessageId: 'c1' });

      const deleted = await bob.client.ok({ action: 'deleteMessage', messageId: message.id });
      assert.equal(deleted.type, 'messageDeleted');
      assert.equal(deleted.message.removedByModerator, true);
      assert.equal(deleted.message.text, '');
      for (const person of [ada, cat]) {
        const seen = await person.client.waitFor((f) => f.type === 'messageDeleted' && f.seq === deleted.seq);
        assert.equal(seen.message.removedByModerator, true);
      }
      const history = await ada.client.ok({ action: 'history', roomId });
      const tombstone = history.messages.find((m: Frame) => m.id === message.id);
      assert.equal(tombstone.removedByModerator, true);
      const { rooms } = await cat.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: message.seq - 1 }] });
      const replayed = rooms[0].events.find((e: Frame) => e.type === 'messageDeleted');
      assert.equal(replayed.message.removedByModerator, true);

      // The author deleting their own message is no moderation.
      const own = await cat.client.ok({ action: 'sendMessage', roomId, text: 'mine', clientMessageId: 'c2' });
      const ownDeleted = await cat.client.ok({ action: 'deleteMessage', messageId: own.message.id });
      assert.equal(ownDeleted.message.removedByModerator, false);
    });

    it('refuses a member without the role, an outsider, and a removed moderator', async () => {
      const { ada, bob, cat, eve, roomId } = await cast();
      const { message } = await ada.client.ok({ action: 'sendMessage', roomId, text: 'hi', clientMessageId: 'c1' });
      const del = (by: Person) => by.client.request({ action: 'deleteMessage', messageId: message.id });

      assertError(await del(cat), 'NOT_YOUR_MESSAGE', 'deleteMessage');
      assertError(await del(eve), 'MESSAGE_NOT_FOUND', 'deleteMessage');
      await ada.client.ok({ action: 'removeMember', roomId, userId: bob.id });
      assertError(await del(bob), 'MESSAGE_NOT_FOUND', 'deleteMessage');
      const history = await ada.client.ok({ action: 'history', roomId });
      assert.equal(history.messages.find((m: Frame) => m.id === message.id).text, 'hi');
    });
  });

  describe('setReadOnly', () => {
    it('lets an admin make a room read-only: only the owner and admins post, until it is open again', async () => {
      const { ada, bob, cat, roomId } = await cast();

      const closed = await bob.client.ok({ action: 'setReadOnly', roomId, readOnly: true });
      assert.deepEqual([closed.type, closed.readOnly, closed.user.id], ['readOnlyChanged', true, bob.id]);
      await cat.client.waitFor((f) => f.type === 'readOnlyChanged' && f.seq === closed.seq);
      const again = await ada.client.ok({ action: 'setReadOnly', roomId, readOnly: true });
      assert.deepEqual([again.type, again.readOnly], ['readOnlyUnchanged', true]);
      const summary = (await cat.client.ok({ action: 'listRooms' })).joined.find((r: Frame) => r.id === roomId);
      assert.equal(summary.readOnly, true);

      assertError(await send(cat, roomId, 'may I?'), 'ROOM_READ_ONLY', 'sendMessage');
      const owners = await send(ada, roomId, 'owner speaking');
      assert.equal(owners.type, 'ack');
      assert.equal((await send(bob, roomId, 'admin speaking')).type, 'ack');
      // A thread reply is a post too: not a way around a read-only room.
      const reply = (by: Person, text: string) =>
        by.client.request({ action: 'replyInThread', rootId: owners.message.id, text, clientMessageId: randomUUID() });
      assertError(await reply(cat, 'in a thread, then?'), 'ROOM_READ_ONLY', 'replyInThread');
      assert.equal((await reply(bob, 'an admin may')).type, 'replyAck');

      const opened = await ada.client.ok({ action: 'setReadOnly', roomId, readOnly: false });
      assert.equal(opened.readOnly, false);
      assert.equal((await send(cat, roomId, 'thanks')).type, 'ack');
      const { rooms } = await cat.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: closed.seq - 1 }] });
      assert.deepEqual(
        rooms[0].events.filter((e: Frame) => e.type === 'readOnlyChanged').map((e: Frame) => e.readOnly),
        [true, false],
      );
    });

    it('refuses an outsider, a member without the role, a removed admin and a direct conversation', async () => {
      const { ada, bob, cat, eve, roomId } = await cast();
      assertError(await setReadOnly(eve, roomId, true), 'NOT_A_MEMBER', 'setReadOnly');
      assertError(await setReadOnly(cat, roomId, true), 'NOT_ROOM_MODERATOR', 'setReadOnly');
      await ada.client.ok({ action: 'removeMember', roomId, userId: bob.id });
      assertError(await setReadOnly(bob, roomId, true), 'NOT_A_MEMBER', 'setReadOnly');
      const dm = await ada.client.ok({ action: 'openDirect', userId: cat.id });
      assertError(await setReadOnly(ada, dm.room.id, true), 'DIRECT_CONVERSATION', 'setReadOnly');
      const summary = (await cat.client.ok({ action: 'listRooms' })).joined.find((r: Frame) => r.id === roomId);
      assert.equal(summary.readOnly, false);
    });
  });

  describe('auditLog', () => {
    it('records every moderation action, newest first, for the room’s admins and the server’s admins', async () => {
      const { ada, bob, cat, roomId } = await cast();
      const { message } = await cat.client.ok({ action: 'sendMessage', roomId, text: 'spam', clientMessageId: 'c1' });
      await bob.client.ok({ action: 'deleteMessage', messageId: message.id });
      await bob.client.ok({ action: 'setReadOnly', roomId, readOnly: true });
      await bob.client.ok({ action: 'setReadOnly', roomId, readOnly: true });
      await bob.client.ok({ action: 'removeMember', roomId, userId: cat.id });

      const log = await bob.client.ok({ action: 'auditLog', roomId });
      assert.equal(log.roomId, roomId);
      assert.deepEqual(
        log.entries.map((e: Frame) => [e.action, e.actor.id, e.target?.id ?? null, e.detail]),
        [
          ['memberRemoved', bob.id, cat.id, null],
          ['readOnlyChanged', bob.id, null, 'on'],
          ['messageRemoved', bob.id, cat.id, message.id],
          ['memberRoleChanged', ada.id, bob.id, 'admin'],
        ],
      );
      assert.equal(log.nextCursor, undefined);
      // The owner reads it too; so does a server admin who is not in the room, also across every room.
      assert.equal((await ada.client.ok({ action: 'auditLog', roomId })).entries.length, 4);
      const admin = await adminPerson();
      assert.deepEqual((await admin.client.ok({ action: 'auditLog', roomId })).entries, log.entries);
      const everything = await admin.client.ok({ action: 'auditLog' });
      assert.equal(everything.roomId, null);
      assert.deepEqual(everything.entries.slice(0, 4), log.entries);
    });

    it('comes in pages of 50 with a cursor, each entry once', async () => {
      const { ada, bob, roomId } = await cast();
      for (let i = 0; i < 60; i++) {
        await ada.client.ok({
          action: 'setMemberRole',
          roomId,
          userId: bob.id,
          role: i % 2 === 0 ? 'member' : 'admin',
        });
      }
      const first = await ada.client.ok({ action: 'auditLog', roomId });
      assert.equal(first.entries.length, 50);
      const second = await ada.client.ok({ action: 'auditLog', roomId, cursor: first.nextCursor });
      assert.equal(second.entries.length, 11);
      assert.equal(second.nextCursor, undefined);
      const entries = [...first.entries, ...second.entries];
      assert.equal(new Set(entries.map((e: Frame) => e.id)).size, 61);
      const times = entries.map((e: Frame) => e.at);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
      );
      assert.deepEqual(entries.at(-1).detail, 'admin');
    });

    it('refuses an outsider, a member without the role, a removed admin, and all rooms to anyone but a server admin', async () => {
      const { ada, bob, cat, eve, roomId } = await cast();
      const log = (by: Person, room?: string) =>
        by.client.request({ action: 'auditLog', ...(room && { roomId: room }) });
      assertError(await log(eve, roomId), 'NOT_A_MEMBER', 'auditLog');
      assertError(await log(cat, roomId), 'NOT_ROOM_MODERATOR', 'auditLog');
      assertError(await log(ada), 'NOT_SERVER_ADMIN', 'auditLog');
      await ada.client.ok({ action: 'removeMember', roomId, userId: bob.id });
      assertError(await log(bob, roomId), 'NOT_A_MEMBER', 'auditLog');
      const dm = await ada.client.ok({ action: 'openDirect', userId: cat.id });
      assertError(await log(ada, dm.room.id), 'NOT_ROOM_MODERATOR', 'auditLog');
      assertError(await log(eve, dm.room.id), 'ROOM_NOT_FOUND', 'auditLog');
      assertError(
        await ada.client.request({ action: 'auditLog', roomId, cursor: 'bm90IGEgY3Vyc29y' }),
        'BAD_REQUEST',
        'auditLog',
      );
    });
  });

  describe('deactivateUser', () => {
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    it('lets a server admin deactivate an account: closed at once, no sign-in, no token, in the audit log', async () => {
      const siteAdmin = await adminPerson();
      const { ada, cat, roomId } = await cast();
      const second = await ChatClient.connect(chat.webSocketUrl, cat.session.token);
      clients.push(second);
      const closed = [cat, { client: second }].map(
        ({ client }) => new Promise((resolve) => client.socket.once('close', resolve)),
      );

      const answer = await siteAdmin.client.ok({ action: 'deactivateUser', userId: cat.id });
      assert.deepEqual([answer.type, answer.userId], ['userDeactivated', cat.id]);
      await Promise.all(closed);

      const login = await postJson(`${chat.url}/api/login`, {
        username: cat.session.user.username,
        password: PASSWORD,
      });
      assert.deepEqual([login.status, login.body.code], [403, 'ACCOUNT_DEACTIVATED']);
      assert.equal(await upgradeStatus(`${chat.webSocketUrl}?token=${encodeURIComponent(cat.session.token)}`), 401);
      const refresh = await postJson(`${chat.url}/api/refresh`, {}, bearer(cat.session.token));
      assert.equal(refresh.status, 401);
      // Their messages and membership stay; the room's members see nothing change.
      assert.equal((await roles(ada, roomId))[cat.id], 'member');

      const again = await siteAdmin.client.ok({ action: 'deactivateUser', userId: cat.id });
      assert.equal(again.type, 'userDeactivated');
      const log = await siteAdmin.client.ok({ action: 'auditLog' });
      const entries = log.entries.filter((e: Frame) => e.action === 'userDeactivated' && e.target.id === cat.id);
      assert.deepEqual(
        entries.map((e: Frame) => [e.roomId, e.actor.id]),
        [[null, siteAdmin.id]],
      );
    });

    it('keeps a deactivated account out of new direct and group conversations; one already open stays', async () => {
      const siteAdmin = await adminPerson();
      const { ada, bob, cat } = await cast();
      const before = await ada.client.ok({ action: 'openDirect', userId: cat.id });
      await siteAdmin.client.ok({ action: 'deactivateUser', userId: cat.id });

      const direct = await bob.client.request({ action: 'openDirect', userId: cat.id });
      assertError(direct, 'ACCOUNT_DEACTIVATED', 'openDirect');
      assert.match(direct.message, new RegExp(cat.session.user.username));
      assertError(
        await bob.client.request({ action: 'openDirect', username: cat.session.user.username }),
        'ACCOUNT_DEACTIVATED',
        'openDirect',
      );
      assertError(
        await ada.client.request({ action: 'openDirect', userId: cat.id }),
        'ACCOUNT_DEACTIVATED',
        'openDirect',
      );
      assertError(
        await ada.client.request({ action: 'openGroup', userIds: [bob.id, cat.id] }),
        'ACCOUNT_DEACTIVATED',
        'openGroup',
      );
      // What was said stays readable.
      const history = await ada.client.ok({ action: 'history', roomId: before.room.id });
      assert.equal(history.type, 'history');
      assert.equal((await ada.client.ok({ action: 'openGroup', userIds: [bob.id, siteAdmin.id] })).type, 'roomJoined');
    });

    it('refuses anyone but a server admin, the admin’s own account and an unknown user', async () => {
      const { ada, bob, cat } = await cast();
      const siteAdmin = await adminPerson();
      const deactivate = (by: Person, userId: string) => by.client.request({ action: 'deactivateUser', userId });
      assertError(await deactivate(ada, cat.id), 'NOT_SERVER_ADMIN', 'deactivateUser');
      assertError(await deactivate(bob, cat.id), 'NOT_SERVER_ADMIN', 'deactivateUser');
      assertError(await deactivate(siteAdmin, siteAdmin.id), 'BAD_REQUEST', 'deactivateUser');
      assertError(await deactivate(siteAdmin, randomUUID()), 'USER_NOT_FOUND', 'deactivateUser');
      assert.equal(
        (await send(cat, (await cat.client.ok({ action: 'listRooms' })).joined[0].id, 'still here')).type,
        'ack',
      );
    });
  });
});
