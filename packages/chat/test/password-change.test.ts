/**
 * Changing a password (`POST /api/password`) against a real server: every
 * session of the account ends and its open connections close, the caller gets
 * a new session, and the old password stops working; a wrong current password
 * is a failed log-in with the same backoff; guests, short passwords, missing
 * or ended tokens and bad bodies are refused and change nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRateLimits } from '../src/domain/rate-limits.ts';
import type { Session } from '../src/domain/types.ts';
import { type ChatServer, startChatServer } from '../src/server.ts';
import { ChatClient, PASSWORD, postJson, register, upgradeStatus } from './chat-test-client.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

const NEW_PASSWORD = 'a brand new passphrase';
const dir = mkdtempSync(join(tmpdir(), 'chat-password-'));
let chat: ChatServer;

before(async () => {
  chat = await startChatServer({
    port: 0,
    dataDir: dir,
    logger: false,
    passwordCost: cheapPasswordCost,
    // Sign-ups from 127.0.0.1 unlimited; the log-in backoff as deployed.
    rateLimits: { ...relaxedRateLimits, logIn: defaultRateLimits.logIn },
  });
});

after(async () => {
  await chat.close();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const changePassword = (token: string, currentPassword: string, newPassword = NEW_PASSWORD) =>
  postJson(`${chat.url}/api/password`, { currentPassword, newPassword }, bearer(token));
const logIn = (username: string, password: string) => postJson(`${chat.url}/api/login`, { username, password });
const refresh = (token: string) => postJson(`${chat.url}/api/refresh`, {}, bearer(token));

describe('changing a password', () => {
  it('ends every session of the account, closes its connections, and answers a new session', async () => {
    const ada = await register(chat.url);
    const otherDevice = (await logIn(ada.user.username, PASSWORD)).body as Session;
    const sockets = [
      await ChatClient.connect(chat.webSocketUrl, ada.token),
      await ChatClient.connect(chat.webSocketUrl, otherDevice.token),
    ];
    const bystander = await register(chat.url);
    const watching = await ChatClient.connect(chat.webSocketUrl, bystander.token);

    const changed = await changePassword(ada.token, PASSWORD);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const session = changed.body as Session;
    assert.equal(session.user.id, ada.user.id);
    await Promise.all(sockets.map((socket) => socket.closed()));
    // Both old tokens are refused, for requests and handshakes; the new one works.
    for (const token of [ada.token, otherDevice.token]) {
      assert.equal((await refresh(token)).body.code, 'UNAUTHENTICATED');
      assert.equal(await upgradeStatus(`${chat.webSocketUrl}?token=${token}`), 401);
    }
    const again = await ChatClient.connect(chat.webSocketUrl, session.token);
    assert.equal((await again.ok({ action: 'hello' })).user.id, ada.user.id);
    await again.close();
    // The new password signs in, the old one no longer does; someone else's connection stays.
    assert.equal((await logIn(ada.user.username, PASSWORD)).status, 401);
    assert.equal((await logIn(ada.user.username, NEW_PASSWORD)).status, 200);
    assert.equal((await watching.ok({ action: 'hello' })).user.id, bystander.user.id);
    await watching.close();
  });

  it('counts a wrong current password as a failed log-in: past the free attempts even the right one waits', async () => {
    const grace = await register(chat.url);
    const { freeAttempts } = defaultRateLimits.logIn;
    for (let attempt = 0; attempt < freeAttempts; attempt++) {
      const wrong = await changePassword(grace.token, `wrong password ${attempt}`);
      assert.deepEqual([wrong.status, wrong.body.code], [401, 'BAD_CREDENTIALS'], JSON.stringify(wrong.body));
      assert.equal(wrong.body.message, 'The current password is wrong.');
    }
    const refused = await changePassword(grace.token, PASSWORD);
    assert.deepEqual([refused.status, refused.body.code], [429, 'RATE_LIMITED'], JSON.stringify(refused.body));
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    // The same backoff as log-in: the username from this address waits there too.
    assert.equal((await logIn(grace.user.username, PASSWORD)).status, 429);
    // Nothing changed: the session still works.
    assert.equal((await refresh(grace.token)).status, 200);
  });

  it('refuses a guest, a short new password, no token, an ended session and a bad body, changing nothing', async () => {
    const guest = (await postJson(`${chat.url}/api/guest`, {})).body as Session;
    const asGuest = await changePassword(guest.token, 'anything at all');
    assert.deepEqual([asGuest.status, asGuest.body.code], [400, 'BAD_REQUEST']);
    assert.match(asGuest.body.message, /guest account has no password/);

    const ada = await register(chat.url);
    const short = await changePassword(ada.token, PASSWORD, 'short');
    assert.deepEqual([short.status, short.body.code], [400, 'INVALID_PASSWORD']);
    assert.equal((await logIn(ada.user.username, PASSWORD)).status, 200);

    const anonymous = await postJson(`${chat.url}/api/password`, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    assert.deepEqual([anonymous.status, anonymous.body.code], [401, 'UNAUTHENTICATED']);
    const ended = await register(chat.url);
    await postJson(`${chat.url}/api/logout`, {}, bearer(ended.token));
    assert.equal((await changePassword(ended.token, PASSWORD)).body.code, 'UNAUTHENTICATED');

    for (const body of [
      { currentPassword: PASSWORD },
      { currentPassword: PASSWORD, newPassword: 7 },
      { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, extra: true },
    ]) {
      const bad = await postJson(`${chat.url}/api/password`, body, bearer(ada.token));
      assert.deepEqual([bad.status, bad.body.code], [400, 'BAD_REQUEST'], JSON.stringify(body));
    }
    assert.equal((await logIn(ada.user.username, PASSWORD)).status, 200);
  });
});
