/**
 * Module handlers under concurrent load through the gateway, with real WebSocket
 * clients: a call that times out or crashes its worker fails alone while the calls
 * of the same route in flight beside it answer; and the `concurrency` settings are
 * checked like the rest of a definition.
 */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createGateway } from '../../src/gateway.ts';
import { connect, errorOf, sleep, startGateway, type TestClient, withTimeout } from '../support/gateway-harness.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

/** An HTTP server whose answers wait until the test releases them. */
async function startHttpGate() {
  const held: ServerResponse[] = [];
  let arrived = 0;
  const server = createServer((_request, response) => {
    arrived++;
    held.push(response);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  after(() => {
    for (const response of held.splice(0)) response.end('ok');
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    async arrivals(count: number): Promise<void> {
      await withTimeout(
        (async () => {
          while (arrived < count) await sleep(10);
        })(),
        20_000,
        `${count} calls did not reach the gate`,
      );
    },
    release(): void {
      for (const response of held.splice(0)) response.end('ok');
    },
  };
}

/** The `message` of the error frame a client receives next. */
const errorFrameOf = async (client: TestClient): Promise<string> =>
  (JSON.parse(await client.next(20_000)) as { message: string }).message;

const answerOf = async (client: TestClient): Promise<string> =>
  (JSON.parse(await client.next(20_000)) as { label: string }).label;

describe('Module handlers under concurrent calls', () => {
  it('a call that times out or exits its worker fails alone; the calls in flight beside it answer', async () => {
    const timeoutInMillis = 10_000;
    const { url } = await startGateway(
      {
        concurrency: { maxWorkers: 3 },
        routes: { $default: { handler: 'pool-handlers.mjs#message', routeResponse: true, timeoutInMillis } },
      },
      { baseDir: fixtures, tls: false },
    );
    const clients = await Promise.all(Array.from({ length: 3 }, () => connect(url)));
    const [slow, b, c] = clients as [TestClient, TestClient, TestClient];
    const gate = await startHttpGate();
    // Three workers warm, so the calls below run side by side.
    for (const [index, client] of clients.entries()) client.send({ httpGate: gate.url, label: `warm${index}` });
    await gate.arrivals(3);
    gate.release();
    for (const client of clients) await answerOf(client);

    slow.send({ spin: true });
    // Half the timeout later, so these two are in flight when the spinning call times
    // out and still have half their time left when the gate opens.
    await sleep(timeoutInMillis / 2);
    b.send({ httpGate: gate.url, label: 'b' });
    c.send({ httpGate: gate.url, label: 'c' });
    await gate.arrivals(5);
    assert.equal(await errorFrameOf(slow), 'Endpoint request timed out');
    gate.release();
    assert.equal(await answerOf(b), 'b');
    assert.equal(await answerOf(c), 'c');

    // A handler that ends its worker with process.exit(): only its own call fails.
    b.send({ httpGate: gate.url, label: 'b2' });
    await gate.arrivals(6);
    slow.send({ exit: 3 });
    assert.equal(await errorFrameOf(slow), 'Internal server error');
    gate.release();
    assert.equal(await answerOf(b), 'b2');
    slow.send({ label: 'after' });
    assert.equal(await answerOf(slow), 'after');
  });

  it('concurrency is checked like the rest of the definition', async () => {
    const handler = 'pool-handlers.mjs#message';
    for (const [concurrency, problem] of [
      [{ maxWorkers: 0 }, /concurrency\.maxWorkers: must be >= 1/],
      [{ maxInvocationsPerWorker: 1.5 }, /concurrency\.maxInvocationsPerWorker: must be an integer/],
      [{ maxQueuedInvocations: -1 }, /concurrency\.maxQueuedInvocations: must be >= 0/],
      [{ idleWorkerSeconds: 0 }, /concurrency\.idleWorkerSeconds: must be > 0/],
      [{ maxWorker: 2 }, /unknown key "maxWorker": did you mean "maxWorkers"\?/],
    ] as const) {
      const error = await errorOf(createGateway({ concurrency, routes: { $default: { handler } } } as never));
      assert.equal((error as Error & { code?: string }).code, 'SB_ERR_CONFIG');
      assert.match(error.message, problem);
    }
  });
});
