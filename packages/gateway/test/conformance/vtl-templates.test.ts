/**
 * VTL mapping templates end to end: a real client, the gateway and a real HTTP
 * backend. The DynamoDB-style `$connect` template with a TTL computed in VTL, and a
 * template that fails while rendering, which fails the route with a log line.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { assertErrorFrame, connect, startGateway, startHttpBackend } from '../support/gateway-harness.ts';

const CONNECT_TEMPLATE = `#set($ttl = $context.requestTimeEpoch / 1000 + 7200)
{
  "TableName": "$stageVariables.table",
  "Item": {
    "connectionId": {"S": "$context.connectionId"},
    "room": {"S": "$util.escapeJavaScript($input.params('room'))"},
    "headers": {"N": "$input.params().header.size()"},
    "ttl": {"N": "$ttl"}
  }
}`;

describe('conformance: VTL mapping templates', () => {
  it('a $connect template writes a connection item with a TTL computed in VTL', async () => {
    const backend = await startHttpBackend();
    const { url } = await startGateway({
      stageVariables: { table: 'connections' },
      routes: {
        $connect: { integration: { type: 'HTTP', uri: backend.url, requestTemplates: { $default: CONNECT_TEMPLATE } } },
      },
    });
    const before = Math.floor(Date.now() / 1000);
    const client = await connect(url, { query: '?room=l%22obby' });
    const after = Math.floor(Date.now() / 1000);
    const item = JSON.parse((await backend.requests.nth(1)).body);
    assert.equal(item.TableName, 'connections');
    assert.match(item.Item.connectionId.S, /^[A-Za-z0-9_-]{15}=$/);
    assert.equal(item.Item.room.S, 'l"obby');
    assert.ok(Number(item.Item.headers.N) >= 3, item.Item.headers.N);
    const ttl = Number(item.Item.ttl.N);
    assert.ok(Number.isInteger(ttl) && ttl >= before + 7200 && ttl <= after + 7200, item.Item.ttl.N);
    await client.close();
  });

  it('a template that fails while rendering sends Internal server error and logs the template, line and column', async () => {
    const backend = await startHttpBackend();
    const lines: string[] = [];
    const logs = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).trim().split('\n'));
        done();
      },
    });
    const { url } = await startGateway(
      {
        routes: {
          $default: {
            integration: {
              type: 'HTTP',
              uri: backend.url,
              requestTemplates: { $default: '{\n  "q": "$util.urlDecode($input.path(\'$.q\'))"\n}' },
            },
            routeResponse: true,
          },
        },
      },
      { logger: pino({ level: 'warn' }, logs) },
    );
    const client = await connect(url);
    client.send({ q: 'a%20b' });
    assert.equal(JSON.parse((await backend.requests.nth(1)).body).q, 'a b');
    client.send({ q: '100%' });
    const frame = await client.next();
    assert.match(frame, /^\{"message": "Internal server error", "connectionId":"[^"]+", "requestId":"[^"]+"\}$/);
    assertErrorFrame(frame, 'Internal server error', JSON.parse(frame).connectionId);
    const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'integration failed');
    assert.ok(logged, lines.join('\n'));
    assert.equal(logged.err.code, 'SB_ERR_TEMPLATE');
    assert.match(
      logged.err.message,
      /^routes\.\$default\.integration\.requestTemplates\.\$default line 2, column 14: \$util\.urlDecode: incomplete trailing escape/,
    );
    assert.equal(await client.silentFor(100), true);
    await client.close();
  });
});
