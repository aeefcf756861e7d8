/**
 * The chat server's plain HTTP side: the `/api/*` endpoints (statuses and JSON
 * bodies, including the bad paths) and the web client's static files, against a
 * real server on port 0.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ILL_FORMED_STRING } from '../src/api/well-formed.ts';
import type { ChatErrorCode } from '../src/domain/errors.ts';
import { type ChatServer, startChatServer } from '../src/server.ts';
import { PASSWORD, postJson, register, uniqueName, upgradeStatus, WAIT_MS } from './chat-test-client.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-http-'));
const webRoot = join(dir, 'web');
let chat: ChatServer;

before(async () => {
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>chat</title><div id="root"></div>');
  writeFileSync(join(webRoot, 'assets', 'app-1a2b.js'), 'console.log("app")');
  writeFileSync(join(webRoot, 'assets', 'app-1a2b.css'), 'body{}');
  writeFileSync(join(webRoot, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the web root');
  chat = await startChatServer({
    port: 0,
    dataDir: join(dir, 'data'),
    webRoot,
    logger: false,
    // Many sign-ups from 127.0.0.1 (the limits are the abuse suite's, test/abuse/).
    rateLimits: relaxedRateLimits,
    passwordCost: cheapPasswordCost,
  });
});

after(async () => {
  await chat.close();
  rmSync(dir, { recursive: true, force: true });
});

function assertError(
  answer: { status: number; body: Record<string, unknown> },
  status: number,
  code: keyof typeof ChatErrorCode,
): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.code, code);
  assert.equal(typeof answer.body.message, 'string');
}

/** A raw request (fetch normalises paths, which would hide traversal attempts). */
function get(path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(chat.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method, timeout: WAIT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('chat HTTP endpoints', () => {
  describe('POST /api/register', () => {
    it('creates an account and answers 201 with a session', async () => {
      const username = uniqueName('Reg');
      const answer = await postJson(`${chat.url}/api/register`, { username, password: PASSWORD });
      assert.equal(answer.status, 201);
      assert.equal(answer.body.user.username, username.toLowerCase());
      assert.equal(answer.body.user.guest, false);
      assert.equal(typeof answer.body.token, 'string');
      assert.ok(answer.body.expiresAt > Date.now());
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assertError(
        await postJson(`${chat.url}/api/register`, { username: username.toUpperCase(), password: PASSWORD }),
        409,
        'USERNAME_TAKEN',
      );
    });

    it('refuses bad usernames and passwords by name', async () => {
      assertError(
        await postJson(`${chat.url}/api/register`, { username: 'a', password: PASSWORD }),
        400,
        'INVALID_USERNAME',
      );
      assertError(
        await postJson(`${chat.url}/api/register`, { username: uniqueName(), password: 'short' }),
        400,
        'INVALID_PASSWORD',
      );
    });

    it('answers bad JSON, wrong types, missing and unknown fields with 400 BAD_REQUEST', async () => {
      const url = `${chat.url}/api/register`;
      for (const body of [
        '{"username": "ada", ',
        '',
        '[]',
        JSON.stringify({ username: 42, password: PASSWORD }),
        JSON.stringify({ username: 'ada' }),
        JSON.stringify({ username: 'ada', password: PASSWORD, admin: true }),
      ]) {
        assertError(await postJson(url, body), 400, 'BAD_REQUEST');
      }
    });

    it('answers 400 BAD_REQUEST for a body holding a lone surrogate in any string', async () => {
      const body = `{"username":"${uniqueName()}\\ud800","password":"${PASSWORD}"}`;
      const answer = await postJson(`${chat.url}/api/register`, body);
      assertError(answer, 400, 'BAD_REQUEST');
      assert.equal(answer.body.message, ILL_FORMED_STRING);
    });

    it('answers 415 without a JSON content type and 413 for an oversized body', async () => {
      const response = await fetch(`${chat.url}/api/register`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ username: uniqueName(), password: PASSWORD }),
        signal: AbortSignal.timeout(WAIT_MS),
      });
      assert.equal(response.status, 415);
      assert.equal(((await response.json()) as { code: string }).code, 'BAD_REQUEST');
      const huge = JSON.stringify({ username: uniqueName(), password: 'x'.repeat(64 * 1024) });
      assertError(await postJson(`${chat.url}/api/register`, huge), 413, 'BAD_REQUEST');
    });
  });

  describe('POST /api/login', () => {
    it('logs in with the right password and refuses unknown users and wrong passwords alike', async () => {
      const session = await register(chat.url);
      const username = session.user.username;
      const answer = await postJson(`${chat.url}/api/login`, { username: username.toUpperCase(), password: PASSWORD });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.user.id, session.user.id);
      const wrong = await postJson(`${chat.url}/api/login`, { username, password: 'wrong password' });
      const unknown = await postJson(`${chat.url}/api/login`, { username: uniqueName(), password: PASSWORD });
      assertError(wrong, 401, 'BAD_CREDENTIALS');
      assertError(unknown, 401, 'BAD_CREDENTIALS');
      assert.deepEqual(wrong.body, unknown.body);
    });
  });

  describe('POST /api/guest', () => {
    it('creates a guest with a generated name', async () => {
      const answer = await postJson(`${chat.url}/api/guest`, {});
      assert.equal(answer.status, 201);
      assert.equal(answer.body.user.guest, true);
      assert.match(answer.body.user.username, /^guest-/);
      assertError(await postJson(`${chat.url}/api/guest`, { username: 'chosen' }), 400, 'BAD_REQUEST');
    });
  });

  describe('POST /api/refresh and /api/logout', () => {
    it('replaces a session with a new one, and ends one on the server', async () => {
      const session = await register(chat.url);
      const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
      const search = (token: string) => postJson(`${chat.url}/api/search`, { query: 'anything' }, bearer(token));
      const renewed = await postJson(`${chat.url}/api/refresh`, {}, bearer(session.token));
      assert.equal(renewed.status, 200);
      assert.equal(renewed.body.user.id, session.user.id);
      assertError(await search(session.token), 401, 'UNAUTHENTICATED');
      assert.equal((await search(renewed.body.token)).status, 200);

      const out = await postJson(`${chat.url}/api/logout`, {}, bearer(renewed.body.token));
      assert.equal(out.status, 204);
      assert.equal(out.body, undefined);
      assertError(await search(renewed.body.token), 401, 'UNAUTHENTICATED');
      assert.equal(await upgradeStatus(`${chat.webSocketUrl}?token=${renewed.body.token}`), 401);
      assertError(await postJson(`${chat.url}/api/refresh`, {}, bearer(renewed.body.token)), 401, 'UNAUTHENTICATED');
      assertError(await postJson(`${chat.url}/api/logout`, {}), 401, 'UNAUTHENTICATED');
    });
  });

  describe('POST /api/search', () => {
    it('needs a bearer token and searches what the user can read', async () => {
      assertError(await postJson(`${chat.url}/api/search`, { query: 'anything' }), 401, 'UNAUTHENTICATED');
      assertError(
        await postJson(`${chat.url}/api/search`, { query: 'anything' }, { authorization: 'Bearer forged.token.here' }),
        401,
        'UNAUTHENTICATED',
      );
      const session = await register(chat.url);
      const auth = { authorization: `Bearer ${session.token}` };
      const answer = await postJson(`${chat.url}/api/search`, { query: 'nothing here yet' }, auth);
      assert.deepEqual(answer, { ...answer, status: 200, body: { query: 'nothing here yet', results: [] } });
      assertError(await postJson(`${chat.url}/api/search`, { query: 5 }, auth), 400, 'BAD_REQUEST');
      assertError(
        await postJson(`${chat.url}/api/search`, { query: 'x', roomId: 'nope' }, auth),
        404,
        'ROOM_NOT_FOUND',
      );
    });
  });

  it('answers unknown API paths with 404 and other methods with 405, in JSON', async () => {
    const missing = await get('/api/nothing');
    assert.deepEqual(
      [missing.status, missing.type, JSON.parse(missing.body)],
      [404, 'application/json; charset=utf-8', { message: 'Not Found' }],
    );
    const method = await get('/api/login');
    assert.deepEqual([method.status, JSON.parse(method.body)], [405, { message: 'Method Not Allowed' }]);
  });
});

describe('chat static files', () => {
  it('serves the web client with content types, and index.html for client-side routes', async () => {
    const index = await get('/');
    assert.deepEqual([index.status, index.type], [200, 'text/html; charset=utf-8']);
    assert.match(index.body, /<div id="root">/);
    const script = await get('/assets/app-1a2b.js');
    assert.deepEqual(
      [script.status, script.type, script.body],
      [200, 'text/javascript; charset=utf-8', 'console.log("app")'],
    );
    assert.equal((await get('/assets/app-1a2b.css')).type, 'text/css; charset=utf-8');
    assert.equal((await get('/favicon.svg')).type, 'image/svg+xml');
    const route = await get('/rooms/general?x=1');
    assert.deepEqual([route.status, route.body], [200, index.body]);
    const head = await get('/', 'HEAD');
    assert.deepEqual([head.status, head.body], [200, '']);
  });

  it('lets its pages load and connect to their own origin only, and sends no referrer', async () => {
    const response = await fetch(chat.url, { signal: AbortSignal.timeout(WAIT_MS) });
    const policy = Object.fromEntries(
      (response.headers.get('content-security-policy') ?? '').split('; ').map((directive) => {
        const [name, ...sources] = directive.split(' ');
        return [name, sources.join(' ')];
      }),
    );
    assert.deepEqual(policy, {
      'default-src': "'self'",
      'script-src': "'self'",
      'style-src': "'self' 'unsafe-inline'",
      'img-src': "'self' data: blob:",
      'font-src': "'self' data:",
      'connect-src': "'self' ws: wss:",
      'object-src': "'none'",
      'base-uri': "'self'",
      'frame-ancestors': "'none'",
    });
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    await response.arrayBuffer();
    const script = await fetch(`${chat.url}/assets/app-1a2b.js`, { signal: AbortSignal.timeout(WAIT_MS) });
    assert.equal(script.headers.get('content-security-policy'), null);
    await script.arrayBuffer();
  });

  it('answers a missing asset with 404, not the app', async () => {
    assert.equal((await get('/assets/missing.js')).status, 404);
  });

  it('never serves a file outside the web root', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00',
    ]) {
      const answer = await get(path);
      assert.doesNotMatch(answer.body, /outside the web root/, path);
      assert.equal(answer.status, 404, path);
    }
  });

  it('refuses methods other than GET and HEAD', async () => {
    assert.equal((await get('/', 'DELETE')).status, 405);
  });

  it('serves a page saying the client is not built when the web root is missing', async () => {
    const bare = await startChatServer({
      port: 0,
      dataDir: join(dir, 'bare'),
      webRoot: join(dir, 'absent'),
      logger: false,
    });
    try {
      const { hostname, port } = new URL(bare.url);
      const response = await fetch(`http://${hostname}:${port}/`, { signal: AbortSignal.timeout(WAIT_MS) });
      assert.equal(response.status, 200);
      assert.match(await response.text(), /not built/);
    } finally {
      await bare.close();
    }
  });
});
