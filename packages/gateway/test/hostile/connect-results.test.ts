/**
 * What an app's `$connect` may return that HTTP cannot carry: a status that is not a
 * final HTTP status, header values with control characters. The handshake's answer
 * must still be valid HTTP (API Gateway answers a malformed proxy result with 502),
 * and a client must be able to read it. Real sockets, real gateway.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayDefinition } from '../../src/definition.ts';
import { connect, rawUpgrade, startGateway } from '../support/gateway-harness.ts';

interface ConnectEvent {
  queryStringParameters?: Record<string, string>;
}

const definition: GatewayDefinition = {
  routes: {
    $connect: {
      // `?status=` becomes the statusCode; `?header=` a header value, with `\0`, `é` or `ā` in it.
      handler: (event: ConnectEvent) => {
        const query = event.queryStringParameters ?? {};
        const headers: Record<string, string> = { 'X-Kept': 'kept\tvalue é' };
        if (query.header !== undefined) headers['X-Hostile'] = query.header;
        return { statusCode: query.status === undefined ? 200 : Number(query.status), headers };
      },
    },
    $default: { handler: () => ({ body: 'echo' }), routeResponse: true },
  },
};

describe('hostile apps: $connect results HTTP cannot carry', () => {
  it('a statusCode that is not a final HTTP status gives 502, in valid HTTP', async () => {
    const { url } = await startGateway(definition);
    for (const status of ['1000', '-1', '99', '100', '101', '200.5', '600']) {
      const answer = await rawUpgrade(`${url}?status=${status}`);
      assert.equal(answer.status, 502, `statusCode ${status}`);
      assert.equal(JSON.parse(answer.body).message, 'Bad Gateway');
    }
    // NaN and Infinity reach API Gateway as null through Lambda's JSON: no status, so 200.
    for (const status of ['NaN', 'Infinity']) assert.equal((await rawUpgrade(`${url}?status=${status}`)).status, 101);
    assert.equal((await rawUpgrade(`${url}?status=404`)).status, 404);
  });

  it('a 304 is answered without a body', async () => {
    const { url } = await startGateway(definition);
    const answer = await rawUpgrade(`${url}?status=304`);
    assert.equal(answer.status, 304);
    assert.equal(answer.body, '');
    assert.equal(answer.headers['content-length'], undefined);
  });

  it('drops header values with control or non-Latin-1 characters, and the client reads the 101', async () => {
    const { url } = await startGateway(definition);
    for (const hostile of ['a\u0000b', 'a\u0001b', 'a\u007fb', 'a\u0101b', 'a\r\nSet-Cookie: x=1']) {
      const target = `${url}?header=${encodeURIComponent(hostile)}`;
      const answer = await rawUpgrade(target);
      assert.equal(answer.status, 101);
      assert.equal(answer.headers['x-hostile'], undefined, JSON.stringify(hostile));
      assert.equal(answer.headers['set-cookie'], undefined);
      assert.equal(Buffer.from(answer.headers['x-kept'] as string, 'latin1').toString(), 'kept\tvalue é');
      const client = await connect(target);
      client.send('hi');
      assert.equal(await client.next(), 'echo');
      await client.close();
    }
  });
});
