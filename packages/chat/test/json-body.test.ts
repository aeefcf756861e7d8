/**
 * Reading a request's JSON body (src/http/json-body.ts) from a real socket: a
 * client that goes away before its body ends is refused like any bad body, not
 * taken for a failure of the server.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { BodyError, readJsonBody } from '../src/http/json-body.ts';

const outcomes: Array<Promise<unknown>> = [];
const server = createServer((request, response) => {
  const outcome = readJsonBody(request, 1024);
  outcomes.push(outcome);
  outcome.then(
    () => response.end(),
    () => response.end(),
  );
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

after(() => server.close());

/** Sends a request head and the first part of its body, then resets the connection. */
async function cutShort(head: string, part: string): Promise<unknown> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const received = outcomes.length;
  socket.write(`${head}\r\n\r\n${part}`);
  while (outcomes.length === received) await new Promise((resolve) => setTimeout(resolve, 5));
  socket.resetAndDestroy();
  return outcomes.at(-1)!.catch((error: unknown) => error);
}

describe('readJsonBody', () => {
  it('refuses with 400 a body whose client went away before its end, with a length or chunked', async () => {
    for (const [head, part] of [
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100', '{"a":'],
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked', '5\r\n{"a":\r\n'],
    ] as const) {
      const error = await cutShort(head, part);
      assert.ok(error instanceof BodyError, String(error));
      assert.equal(error.status, 400);
      assert.match(error.message, /cut short/);
    }
  });
});
