/**
 * Private rooms and invites (docs/protocol.md, "Private rooms and invites")
 * end to end: real WebSocket clients through the real gateway of the embedded
 * chat on a SQLite file. Every action, and every refusal to an outsider, a
 * member without the right, and a member who left. Negative assertions ("eve
 * never receives X") are made after a `ping` round trip on eve.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChatErrorCode } from '../src/domain/errors.ts';
import { InviteLimits } from '../src/domain/invite-limits.ts';
import { hashInviteSecret, newInviteToken } from '../src/domain/invite-token.ts';
import type { RateLimitOverrides } from '../src/domain/rate-limits.ts';
import { type ChatServer, startChatServer } from '../src/server.ts';
import { DATABASE_FILE, SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { ChatClient, type Frame, register, uniqueName } from './chat-test-client.ts';
import { embeddedTestServer, relaxedRateLimits } from './test-settings.ts';

interface Server {
  chat: ChatServer;
  dataDir: string;
}

async function startServer(rateLimits: RateLimitOverrides): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'private-rooms-'));
  const chat = await startChatServer({ ...embeddedTestServer(dataDir), rateLimits });
  return { chat, dataDir };
}

function assertError(frame: Frame, code: keyof typeof ChatErrorCode, action: string): void {
  assert.equal(frame.type, 'error', JSON.stringify(frame));
  assert.equal(frame.code, code, `${action}: ${JSON.stringify(frame)}`);
  assert.equal(frame.action, action);
  assert.equal(frame.message, ChatErrorCode[code].message);
}

describe('private rooms and invites over the gateway, on SQLite', () => {
  let server: Server;
  const clients: ChatClient[] = [];

  before(async () => {
    server = await startServer(relaxedRateLimits);
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server.chat.close();
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  async function user(on: Server = server): Promise<{ client: ChatClient; name: string; welcome: Frame }> {
    const session = await register(on.chat.url);
    const client = await ChatClient.connect(on.chat.webSocketUrl, session.token);
    clients.push(client);
    const welcome = await client.ok({ action: 'hello' });
    return { client, name: session.user.username, welcome };
  }

  async function inDirectory(client: ChatClient, roomId: string): Promise<boolean> {
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const answer = await client.ok({ action: 'listRooms', ...(cursor && { cursor }) });
      if (answer.directory.some((room: Frame) => room.id === roomId)) return true;
      cursor = answer.nextCursor;
      if (!cursor) return false;
    }
    throw new Error('the directory did not end');
  }

  const send = (client: ChatClient, roomId: string, text: string) =>
    client.ok({ action: 'sendMessage', roomId, text, clientMessageId: randomUUID() });

  /** Every read and write of a room, as a non-member tries it: each must be refused with `code`. */
  async function assertLockedOut(client: ChatClient, roomId: string, messageId: string, code: 'ROOM_NOT_FOUND') {
    const attempts: Array<[Frame, keyof typeof ChatErrorCode]> = [
      [{ action: 'joinRoom', roomId }, code],
      [{ action: 'history', roomId }, code],
      [{ action: 'members', roomId }, code],
      [{ action: 'pins', roomId }, code],
      [{ action: 'setTopic', roomId, topic: 'mine' }, code],
      [{ action: 'typing', roomId }, code],
      [{ action: 'markRead', roomId, seq: 1 }, code],
      [{ action: 'search', query: 'secret', roomId }, code],
      [{ action: 'sendMessage', roomId, text: 'let me in', clientMessageId: randomUUID() }, code],
      [{ action: 'leaveRoom', roomId }, code],
      [{ action: 'setRoomVisibility', roomId, visibility: 'public' }, code],
      [{ action: 'inviteMember', roomId, username: 'anyone' }, code],
      [{ action: 'createInvite', roomId }, code],
      [{ action: 'invites', roomId }, code],
      [{ action: 'addReaction', messageId, emoji: '👍' }, 'MESSAGE_NOT_FOUND'],
      [{ action: 'removeReaction', messageId, emoji: '👍' }, 'MESSAGE_NOT_FOUND'],
      [{ action: 'pinMessage', messageId }, 'MESSAGE_NOT_FOUND'],
      [{ action: 'unpinMessage', messageId }, 'MESSAGE_NOT_FOUND'],
      [{ action: 'editMessage', messageId, text: 'mine' }, 'MESSAGE_NOT_FOUND'],
      [{ action: 'deleteMessage', messageId }, 'MESSAGE_NOT_FOUND'],
    ];
    for (const [frame, expected] of attempts) assertError(await client.request(frame), expected, frame.action);
    const catchUp = await client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: 0 }] });
    assert.deepEqual([catchUp.rooms, catchUp.notMember], [[], [roomId]]);
    const found = await client.ok({ action: 'search', query: 'secret' });
    assert.equal(
      found.results.some((result: Frame) => result.roomId === roomId),
      false,
    );
    assert.equal(await inDirectory(client, roomId), false);
  }

  it('creates a private room that the directory leaves out and outsiders cannot read, join or touch', async () => {
    const ada = await user();
    const eve = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('hidden'), visibility: 'private' });
    assert.equal(room.visibility, 'private');
    const { room: open } = await ada.client.ok({ action: 'createRoom', name: uniqueName('open') });
    assert.equal(open.visibility, 'public');
    assert.equal(await inDirectory(eve.client, open.id), true);
    const { message } = await send(ada.client, room.id, 'a secret plan');
    await assertLockedOut(eve.client, room.id, message.id, 'ROOM_NOT_FOUND');
    await eve.client.sync();
    assert.deepEqual(
      eve.client.all((frame) => frame.roomId === room.id || frame.room?.id === room.id),
      [],
    );
    // The owner still has it in their own rooms.
    const rooms = await ada.client.ok({ action: 'listRooms' });
    assert.equal(rooms.joined.find((entry: Frame) => entry.id === room.id)?.visibility, 'private');
  });

  it('refuses a member who left a private room everything, rejoining included', async () => {
    const ada = await user();
    const bob = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('hidden'), visibility: 'private' });
    await ada.client.ok({ action: 'inviteMember', roomId: room.id, username: bob.name });
    const { message } = await send(bob.client, room.id, 'secret before leaving');
    await bob.client.ok({ action: 'leaveRoom', roomId: room.id });
    await assertLockedOut(bob.client, room.id, message.id, 'ROOM_NOT_FOUND');
  });

  it('lets the owner make a room private and public again, as room events that catch-up restores', async () => {
    const ada = await user();
    const bob = await user();
    const eve = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('flip') });
    await bob.client.ok({ action: 'joinRoom', roomId: room.id });
    const changed = await ada.client.ok({ action: 'setRoomVisibility', roomId: room.id, visibility: 'private' });
    assert.deepEqual(
      [changed.type, changed.visibility, changed.user.username],
      ['visibilityChanged', 'private', ada.name],
    );
    const seen = await bob.client.waitFor((frame) => frame.type === 'visibilityChanged' && frame.roomId === room.id);
    assert.equal(seen.seq, changed.seq);
    const again = await ada.client.ok({ action: 'setRoomVisibility', roomId: room.id, visibility: 'private' });
    assert.deepEqual(again, {
      type: 'visibilityUnchanged',
      roomId: room.id,
      visibility: 'private',
      requestId: again.requestId,
    });
    assert.equal(await inDirectory(eve.client, room.id), false);
    assertError(await eve.client.request({ action: 'joinRoom', roomId: room.id }), 'ROOM_NOT_FOUND', 'joinRoom');
    const caught = await bob.client.ok({ action: 'catchUp', rooms: [{ roomId: room.id, lastSeq: changed.seq - 1 }] });
    assert.deepEqual(
      caught.rooms[0].events,
      [changed].map(({ requestId: _, ...event }) => event),
    );
    const summary = (await bob.client.ok({ action: 'listRooms' })).joined.find((entry: Frame) => entry.id === room.id);
    assert.equal(summary.visibility, 'private');

    await ada.client.ok({ action: 'setRoomVisibility', roomId: room.id, visibility: 'public' });
    assert.equal(await inDirectory(eve.client, room.id), true);
    await eve.client.ok({ action: 'joinRoom', roomId: room.id });
  });

  it('refuses setRoomVisibility to outsiders, members who are not the owner, general and direct conversations', async () => {
    const ada = await user();
    const bob = await user();
    const eve = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('owned') });
    await bob.client.ok({ action: 'joinRoom', roomId: room.id });
    const set = (client: ChatClient, roomId: string) =>
      client.request({ action: 'setRoomVisibility', roomId, visibility: 'private' });
    assertError(await set(eve.client, room.id), 'NOT_A_MEMBER', 'setRoomVisibility');
    assertError(await set(bob.client, room.id), 'NOT_ROOM_OWNER', 'setRoomVisibility');
    const general = ada.welcome.rooms.find((entry: Frame) => entry.name === 'general').id as string;
    assertError(await set(ada.client, general), 'NOT_ROOM_OWNER', 'setRoomVisibility');
    const dm = await ada.client.ok({ action: 'openDirect', username: bob.name });
    assertError(await set(ada.client, dm.room.id), 'DIRECT_CONVERSATION', 'setRoomVisibility');
    assertError(await set(eve.client, dm.room.id), 'ROOM_NOT_FOUND', 'setRoomVisibility');
    await ada.client.ok({ action: 'leaveRoom', roomId: room.id });
    assertError(await set(ada.client, room.id), 'NOT_A_MEMBER', 'setRoomVisibility');
  });

  it('lets a member invite a user by username: they get the room, live, and can read it', async () => {
    const ada = await user();
    const bob = await user();
    const cat = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('team'), visibility: 'private' });
    await ada.client.ok({ action: 'inviteMember', roomId: room.id, username: bob.name });
    await send(ada.client, room.id, 'welcome aboard');
    const invited = await bob.client.ok({
      action: 'inviteMember',
      roomId: room.id,
      username: ` @${cat.name.toUpperCase()}`,
    });
    assert.deepEqual([invited.type, invited.roomId, invited.user.username], ['memberInvited', room.id, cat.name]);
    const notice = await cat.client.waitFor((frame) => frame.type === 'roomJoined' && frame.room.id === room.id);
    assert.equal(notice.invitedBy.username, bob.name);
    assert.equal(notice.room.visibility, 'private');
    const joined = await ada.client.waitFor(
      (frame) => frame.type === 'memberJoined' && frame.roomId === room.id && frame.user.username === cat.name,
    );
    const history = await cat.client.ok({ action: 'history', roomId: room.id });
    assert.deepEqual(
      history.messages.map((message: Frame) => message.text),
      ['welcome aboard'],
    );
    const caught = await ada.client.ok({ action: 'catchUp', rooms: [{ roomId: room.id, lastSeq: joined.seq - 1 }] });
    assert.deepEqual(caught.rooms[0].events, [joined]);
  });

  it('refuses inviteMember to outsiders and removed members, for members already there, unknown users and DMs', async () => {
    const ada = await user();
    const bob = await user();
    const eve = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('team'), visibility: 'private' });
    const { room: open } = await ada.client.ok({ action: 'createRoom', name: uniqueName('open') });
    const invite = (client: ChatClient, roomId: string, username: string) =>
      client.request({ action: 'inviteMember', roomId, username });
    assertError(await invite(eve.client, room.id, eve.name), 'ROOM_NOT_FOUND', 'inviteMember');
    assertError(await invite(eve.client, open.id, eve.name), 'NOT_A_MEMBER', 'inviteMember');
    assertError(await invite(ada.client, room.id, ada.name), 'ALREADY_A_MEMBER', 'inviteMember');
    assertError(await invite(ada.client, room.id, uniqueName('nobody')), 'USER_NOT_FOUND', 'inviteMember');
    const dm = await ada.client.ok({ action: 'openDirect', username: bob.name });
    assertError(await invite(ada.client, dm.room.id, eve.name), 'DIRECT_CONVERSATION', 'inviteMember');
    await ada.client.ok({ action: 'inviteMember', roomId: room.id, username: bob.name });
    await bob.client.ok({ action: 'leaveRoom', roomId: room.id });
    assertError(await invite(bob.client, room.id, eve.name), 'ROOM_NOT_FOUND', 'inviteMember');
  });

  it('creates an invite link whose token joins the room once per user, up to its uses, until revoked', async () => {
    const ada = await user();
    const bob = await user();
    const cat = await user();
    const dan = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('link'), visibility: 'private' });
    const created = await ada.client.ok({
      action: 'createInvite',
      roomId: room.id,
      maxUses: 2,
      expiresInMs: 3_600_000,
    });
    assert.equal(created.type, 'inviteCreated');
    assert.match(created.token, /^[\w-]+\.[\w-]+$/);
    assert.deepEqual(
      [created.invite.roomId, created.invite.maxUses, created.invite.uses, created.invite.revokedAt],
      [room.id, 2, 0, null],
    );
    assert.equal(created.invite.expiresAt - created.invite.createdAt, 3_600_000);
    assert.equal('secretHash' in created.invite, false);

    const joined = await bob.client.ok({ action: 'redeemInvite', token: created.token });
    assert.deepEqual([joined.type, joined.room.id, joined.room.visibility], ['roomJoined', room.id, 'private']);
    await ada.client.waitFor((frame) => frame.type === 'memberJoined' && frame.user.username === bob.name);
    // A member redeeming again changes nothing and counts no use.
    await bob.client.ok({ action: 'redeemInvite', token: created.token });
    await cat.client.ok({ action: 'redeemInvite', token: created.token });
    assertError(
      await dan.client.request({ action: 'redeemInvite', token: created.token }),
      'INVITE_USED_UP',
      'redeemInvite',
    );

    const listed = await ada.client.ok({ action: 'invites', roomId: room.id });
    assert.deepEqual(
      listed.invites.map((invite: Frame) => [invite.id, invite.uses]),
      [[created.invite.id, 2]],
    );
    assert.equal(
      JSON.stringify(listed).includes(created.token.split('.')[1]),
      false,
      'the secret is never shown again',
    );

    const second = await ada.client.ok({ action: 'createInvite', roomId: room.id });
    assert.equal(second.invite.maxUses, InviteLimits.defaultMaxUses);
    assert.equal(second.invite.expiresAt - second.invite.createdAt, InviteLimits.defaultLifetimeMs);
    const revoked = await ada.client.ok({ action: 'revokeInvite', inviteId: second.invite.id });
    assert.equal(revoked.type, 'inviteRevoked');
    assert.equal(typeof revoked.invite.revokedAt, 'number');
    assertError(
      await dan.client.request({ action: 'redeemInvite', token: second.token }),
      'INVITE_REVOKED',
      'redeemInvite',
    );
    assertError(await dan.client.request({ action: 'history', roomId: room.id }), 'ROOM_NOT_FOUND', 'history');
  });

  it('refuses unknown, forged, expired, used-up and revoked links with their own codes', async () => {
    const ada = await user();
    const dan = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('link'), visibility: 'private' });
    const { token, invite } = await ada.client.ok({ action: 'createInvite', roomId: room.id });
    const redeem = (value: string) => dan.client.request({ action: 'redeemInvite', token: value });
    assertError(await redeem('not-a-token'), 'INVITE_NOT_FOUND', 'redeemInvite');
    assertError(await redeem(`${invite.id}.${'A'.repeat(32)}`), 'INVITE_NOT_FOUND', 'redeemInvite');
    assertError(await redeem(`${token}.x`), 'INVITE_NOT_FOUND', 'redeemInvite');
    // An expired link, written as the server would have written it a week ago.
    const store = SqliteChatStore.open(join(server.dataDir, DATABASE_FILE));
    const old = newInviteToken(Date.now() - 7 * 86_400_000);
    try {
      await store.createInvite({
        id: old.id,
        roomId: room.id,
        secretHash: hashInviteSecret(old.secret),
        createdBy: invite.createdBy,
        createdAt: Date.now() - 7 * 86_400_000,
        expiresAt: Date.now() - 1000,
        maxUses: 5,
        uses: 0,
        revokedAt: null,
      });
    } finally {
      await store.close();
    }
    assertError(await redeem(old.token), 'INVITE_EXPIRED', 'redeemInvite');
    const { token: once } = await ada.client.ok({ action: 'createInvite', roomId: room.id, maxUses: 1 });
    await ada.client.ok({ action: 'redeemInvite', token: once }); // a member: no use counted
    await dan.client.ok({ action: 'redeemInvite', token: once });
    const eve = await user();
    assertError(await eve.client.request({ action: 'redeemInvite', token: once }), 'INVITE_USED_UP', 'redeemInvite');
  });

  it('refuses invite-link management to outsiders, members who are not the owner and removed owners, and bad options', async () => {
    const ada = await user();
    const bob = await user();
    const eve = await user();
    const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('link'), visibility: 'private' });
    await ada.client.ok({ action: 'inviteMember', roomId: room.id, username: bob.name });
    const { invite } = await ada.client.ok({ action: 'createInvite', roomId: room.id });
    assertError(
      await bob.client.request({ action: 'createInvite', roomId: room.id }),
      'NOT_ROOM_OWNER',
      'createInvite',
    );
    assertError(await bob.client.request({ action: 'invites', roomId: room.id }), 'NOT_ROOM_OWNER', 'invites');
    assertError(
      await bob.client.request({ action: 'revokeInvite', inviteId: invite.id }),
      'NOT_ROOM_OWNER',
      'revokeInvite',
    );
    assertError(
      await eve.client.request({ action: 'createInvite', roomId: room.id }),
      'ROOM_NOT_FOUND',
      'createInvite',
    );
    assertError(await eve.client.request({ action: 'invites', roomId: room.id }), 'ROOM_NOT_FOUND', 'invites');
    assertError(
      await eve.client.request({ action: 'revokeInvite', inviteId: invite.id }),
      'INVITE_NOT_FOUND',
      'revokeInvite',
    );
    assertError(
      await ada.client.request({ action: 'revokeInvite', inviteId: randomUUID() }),
      'INVITE_NOT_FOUND',
      'revokeInvite',
    );
    for (const options of [
      { expiresInMs: InviteLimits.minLifetimeMs - 1 },
      { expiresInMs: InviteLimits.maxLifetimeMs + 1 },
      { maxUses: InviteLimits.maxUses + 1 },
    ]) {
      const refused = await ada.client.request({ action: 'createInvite', roomId: room.id, ...options });
      assert.deepEqual([refused.type, refused.code], ['error', 'BAD_REQUEST'], JSON.stringify(options));
    }
    const dm = await ada.client.ok({ action: 'openDirect', username: bob.name });
    assertError(
      await ada.client.request({ action: 'createInvite', roomId: dm.room.id }),
      'DIRECT_CONVERSATION',
      'createInvite',
    );
    await ada.client.ok({ action: 'leaveRoom', roomId: room.id });
    assertError(
      await ada.client.request({ action: 'createInvite', roomId: room.id }),
      'ROOM_NOT_FOUND',
      'createInvite',
    );
    assertError(
      await ada.client.request({ action: 'revokeInvite', inviteId: invite.id }),
      'INVITE_NOT_FOUND',
      'revokeInvite',
    );
  });

  it('rate-limits creating invites and redeeming links', async () => {
    const limited = await startServer({
      ...relaxedRateLimits,
      invite: { capacity: 2, refillMs: 3_600_000 },
      redeemInvite: { capacity: 2, refillMs: 3_600_000 },
    });
    try {
      const ada = await user(limited);
      const eve = await user(limited);
      const { room } = await ada.client.ok({ action: 'createRoom', name: uniqueName('busy'), visibility: 'private' });
      await ada.client.ok({ action: 'createInvite', roomId: room.id });
      await ada.client.ok({ action: 'createInvite', roomId: room.id });
      const refused = await ada.client.request({ action: 'createInvite', roomId: room.id });
      assert.equal(refused.code, 'RATE_LIMITED');
      assert.ok(refused.retryAfterMs > 0);
      for (let attempt = 0; attempt < 2; attempt++) {
        assert.equal((await eve.client.request({ action: 'redeemInvite', token: 'x.y' })).code, 'INVITE_NOT_FOUND');
      }
      assert.equal((await eve.client.request({ action: 'redeemInvite', token: 'x.y' })).code, 'RATE_LIMITED');
    } finally {
      await limited.chat.close();
      rmSync(limited.dataDir, { recursive: true, force: true });
    }
  });
});
