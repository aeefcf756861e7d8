/**
 * Arbitrary requests to the chat's HTTP API (fast-check), against the real
 * server on SQLite: every route and a few that do not exist, any method, with and
 * without a valid token, bodies built from the routes' own fields or of any shape
 * (not JSON, wrong content types, nesting, long text). Whatever arrives, the
 * server answers below 500, every refusal is a JSON `{code, message}` body (an
 * unknown path or method `{message}`), and the process keeps serving
 * (docs/protocol.md, "HTTP endpoints").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpRoute } from '../src/api/http.ts';
import { type ChatServer, startChatServer } from '../src/server.ts';
import { register, WAIT_MS } from './chat-test-client.ts';
import { hostileScalar } from './hostile-values.ts';
import { embeddedTestServer } from './test-settings.ts';

/** Every field the HTTP requests name (api/http.ts), and the ones a guess might add. */
const FIELDS = ['username', 'password', 'query', 'roomId', 'limit', 'type', 'size', 'name', 'cursor', 'token'];

const scalar = hostileScalar(['<user>', '<token>', 'image/png', 'text/plain', 'general', ''], {
  minLength: 1_000,
  maxLength: 5_000,
});
const jsonBody = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), scalar, { maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(scalar, { maxLength: 3 }),
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  path: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...Object.values(HttpRoute)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '/api/files/<user>/x',
        '/api/files/x/y/content?expires=1&signature=x',
        '/api/files/../../etc/passwd',
        '/api/%2e%2e/register',
        '/api/',
        '/healthz',
        '/readyz',
      ),
    },
    { weight: 1, arbitrary: fc.webPath().map((path) => `/api${path}`) },
  ),
  body: fc.oneof(
    { weight: 4, arbitrary: jsonBody.map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constant('') },
  ),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined),
  authorized: fc.boolean(),
});

describe('arbitrary requests to the HTTP API', { timeout: 300_000 }, () => {
  let dataDir: string;
  let chat: ChatServer;
  let token: string;
  let userId: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-http-fuzz-'));
    chat = await startChatServer(embeddedTestServer(dataDir));
    const session = await register(chat.url);
    token = session.token;
    userId = session.user.id;
  });

  after(async () => {
    await chat?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers each below 500, refuses in JSON and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, body, contentType, authorized }) => {
        const fill = (text: string) => text.replaceAll('<user>', userId).replaceAll('<token>', token);
        const headers: Record<string, string> = {};
        if (contentType) headers['content-type'] = contentType;
        if (authorized) headers.authorization = `Bearer ${token}`;
        // `fetch` resolves dot segments (`%2e%2e` too), as browsers do: what the server sees is the URL's path.
        const url = new URL(`${chat.url}${fill(path)}`);
        const response = await fetch(url, {
          method,
          headers,
          ...(method !== 'GET' && method !== 'HEAD' && { body: fill(body) }),
          redirect: 'manual',
          signal: AbortSignal.timeout(WAIT_MS),
        });
        const text = await response.text();
        const what = `${method} ${path} -> ${response.status} ${text.slice(0, 300)}`;
        assert.ok(response.status < 500, what);
        if (response.status >= 400 && method !== 'HEAD' && url.pathname.startsWith('/api/')) {
          assert.match(response.headers.get('content-type') ?? '', /^application\/json/, what);
          const error = JSON.parse(text) as { code?: unknown; message?: unknown };
          assert.equal(typeof error.message, 'string', what);
          // An unknown path or method is answered as API Gateway's HTTP APIs do: a message alone.
          if (response.status !== 404 && response.status !== 405) assert.equal(typeof error.code, 'string', what);
        }
      }),
      { numRuns: 600 },
    );
    assert.equal((await fetch(`${chat.url}/healthz`)).status, 200);
  });
});
