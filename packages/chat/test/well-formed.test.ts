/**
 * Strings a client sends must be well-formed Unicode (src/api/well-formed.ts): a
 * property over generated JSON values, lone surrogates among their strings and
 * keys, and the refusals a client gets over a real server, in a frame and in an
 * HTTP body.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { holdsIllFormedString } from '../src/api/well-formed.ts';
import { type ChatServer, startChatServer } from '../src/server.ts';
import { ChatClient, PASSWORD, postJson, register, uniqueName } from './chat-test-client.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

/** Whether any string of `value`, keys included, is not well-formed: the slow, plain answer. */
function expected(value: unknown): boolean {
  if (typeof value === 'string') return !value.isWellFormed();
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, member]) => !key.isWellFormed() || expected(member));
}

describe('well-formed strings', () => {
  it('finds a lone surrogate wherever a parsed body holds one, and nothing else', () => {
    const text = fc.string({ unit: 'binary', maxLength: 6 });
    const values = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(values, (value) => {
        // JSON.stringify escapes a lone surrogate and writes a pair as it is, as clients do.
        const json = JSON.stringify(value);
        assert.equal(holdsIllFormedString(json, JSON.parse(json)), expected(value), json);
      }),
      { numRuns: 2000 },
    );
    // A pair written as escapes (Python's json.dumps does) is one character.
    assert.equal(holdsIllFormedString('{"text":"\\ud83d\\ude00"}', { text: '😀' }), false);
  });
});

describe('well-formed strings, over a real server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'well-formed-'));
  let chat: ChatServer;
  before(async () => {
    chat = await startChatServer({
      port: 0,
      dataDir: dir,
      logger: false,
      rateLimits: relaxedRateLimits,
      passwordCost: cheapPasswordCost,
    });
  });
  after(async () => {
    await chat.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a frame or an HTTP body holding a lone surrogate with BAD_REQUEST, and takes an escaped pair', async () => {
    const answer = await postJson(
      `${chat.url}/api/register`,
      `{"username":"${uniqueName('x')}\\ud800","password":"${PASSWORD}"}`,
    );
    assert.equal(answer.status, 400);
    assert.equal(answer.body.code, 'BAD_REQUEST');
    assert.match(answer.body.message as string, /well-formed Unicode/);

    const session = await register(chat.url);
    const client = await ChatClient.connect(chat.webSocketUrl, session.token);
    after(() => client.socket.terminate());
    const { rooms } = await client.ok({ action: 'hello' });
    const roomId = rooms[0].id as string;
    const raw = (text: string, requestId: string) => {
      client.send(
        `{"action":"sendMessage","roomId":"${roomId}","text":"${text}","clientMessageId":"${requestId}","requestId":"${requestId}"}`,
      );
      return client.waitFor((frame) => frame.requestId === requestId, requestId);
    };
    const refused = await raw('x\\ud800', 'lone');
    assert.equal(refused.type, 'error');
    assert.equal(refused.code, 'BAD_REQUEST');
    const accepted = await raw('smile \\ud83d\\ude00', 'pair');
    assert.equal(accepted.type, 'ack');
    assert.equal(accepted.message.text, 'smile 😀');
  });
});
