/**
 * A client that resets its TCP connection (RST, not a clean close) at every stage
 * of its life: before its first byte, in the middle of its request head or TLS
 * handshake, while the authorizer or `$connect` runs, in the middle of a frame,
 * and while an integration handles its message. Each reset ends that socket only:
 * the process survives (an unhandled error would end this test process) and a
 * witness connection keeps being served.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALLOW_ANY,
  connect,
  EventRecorder,
  type RunningGateway,
  sleep,
  startGateway,
  type TestClient,
} from '../support/gateway-harness.ts';
import { clientFrame, openSocket, untilMetric, untilReceived, upgradeRequest } from '../support/raw-sockets.ts';

interface ResetScene {
  running: RunningGateway;
  authorizing: EventRecorder;
  connecting: EventRecorder;
  integrating: EventRecorder;
  disconnects: EventRecorder;
  /** The witness connection still gets answers: nothing else was affected. */
  assertWitnessServed(): Promise<void>;
}

/**
 * A gateway whose authorizer, `$connect` and `$default` can be made to stall (by
 * the query or the message), with one witness connection open.
 */
async function resetScene(): Promise<ResetScene> {
  const authorizing = new EventRecorder();
  const connecting = new EventRecorder();
  const integrating = new EventRecorder();
  const disconnects = new EventRecorder();
  const running = await startGateway({
    authorizer: {
      identitySource: ['route.request.querystring.token'],
      handler: async (event: { queryStringParameters: Record<string, string> }) => {
        authorizing.record(event);
        if (event.queryStringParameters.stall === 'authorizer') await sleep(300);
        return ALLOW_ANY;
      },
    },
    routes: {
      $connect: {
        handler: async (event: { queryStringParameters?: Record<string, string> }) => {
          connecting.record(event);
          if (event.queryStringParameters?.stall === 'connect') await sleep(300);
          return { statusCode: 200 };
        },
      },
      $disconnect: {
        handler: async (event: Record<string, unknown>) => {
          disconnects.record(event);
          return {};
        },
      },
      $default: {
        handler: async (event: { body: string }) => {
          if (event.body === 'slow') {
            integrating.record(event);
            await sleep(300);
          }
          return { statusCode: 200, body: event.body };
        },
        routeResponse: true,
      },
    },
  });
  const witness: TestClient = await connect(`${running.url}?token=witness`);
  return {
    running,
    authorizing,
    connecting,
    integrating,
    disconnects,
    async assertWitnessServed() {
      const text = `still here ${Math.random()}`;
      witness.send(text);
      assert.equal(await witness.next(), text);
    },
  };
}

describe('hostile clients: resets at every stage', () => {
  it('a reset before the first byte', async () => {
    const { running, assertWitnessServed } = await resetScene();
    const socket = await openSocket(running.port);
    socket.resetAndDestroy();
    await untilMetric(running.gateway, 'switchboard_client_errors_total{kind="reset"}', 1);
    await assertWitnessServed();
  });

  for (const { listener, tls } of [
    { listener: 'TLS and plain on one port', tls: 'auto' as const },
    { listener: 'plain only', tls: false as const },
  ]) {
    it(`resets while refused upgrades are answered (${listener})`, async () => {
      // Refused before the app runs (a wrong stage): the answer is written to a socket
      // the HTTP server has already let go of, and the reset makes that write fail.
      const running = await startGateway(
        {
          routes: {
            $default: { handler: async (event: { body: string }) => ({ body: event.body }), routeResponse: true },
          },
        },
        { tls },
      );
      for (let i = 0; i < 100; i++) {
        const socket = await openSocket(running.port);
        socket.write(upgradeRequest('/wrong-stage'));
        socket.resetAndDestroy();
      }
      const witness = await connect(running.url);
      witness.send('still here');
      assert.equal(await witness.next(), 'still here');
    });
  }

  it('a reset in the middle of the request head', async () => {
    const { running, assertWitnessServed } = await resetScene();
    const socket = await openSocket(running.port);
    socket.write('GET /dev?token=t HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr');
    await sleep(20);
    socket.resetAndDestroy();
    await assertWitnessServed();
  });

  it('a reset in the middle of a TLS handshake', async () => {
    const { running, assertWitnessServed } = await resetScene();
    const socket = await openSocket(running.port);
    // The start of a TLS record holding a ClientHello, cut short.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
    await sleep(20);
    socket.resetAndDestroy();
    await assertWitnessServed();
  });

  it('a reset while the authorizer runs', async () => {
    const { running, authorizing, assertWitnessServed } = await resetScene();
    const socket = await openSocket(running.port);
    const before = authorizing.events.length;
    socket.write(upgradeRequest('/dev?token=t&stall=authorizer'));
    await authorizing.nth(before + 1);
    socket.resetAndDestroy();
    await assertWitnessServed();
  });

  it('a reset while $connect runs', async () => {
    const { running, connecting, assertWitnessServed } = await resetScene();
    const socket = await openSocket(running.port);
    const before = connecting.events.length;
    socket.write(upgradeRequest('/dev?token=t&stall=connect'));
    await connecting.nth(before + 1);
    socket.resetAndDestroy();
    await assertWitnessServed();
  });

  it('a reset in the middle of a frame', async () => {
    const { running, disconnects, assertWitnessServed } = await resetScene();
    const socket = await openSocket(running.port);
    socket.write(upgradeRequest('/dev?token=t'));
    await untilReceived(socket, '\r\n\r\n');
    const before = disconnects.events.length;
    socket.write(clientFrame('x'.repeat(1000)).subarray(0, 500));
    await sleep(20);
    socket.resetAndDestroy();
    const disconnect = await disconnects.nth(before + 1);
    assert.equal(disconnect.requestContext.disconnectStatusCode, 1006);
    await assertWitnessServed();
  });

  it('a reset while an integration handles its message', async () => {
    const { running, integrating, disconnects, assertWitnessServed } = await resetScene();
    const socket = await openSocket(running.port);
    socket.write(upgradeRequest('/dev?token=t'));
    await untilReceived(socket, '\r\n\r\n');
    const before = integrating.events.length;
    const disconnected = disconnects.events.length;
    socket.write(clientFrame('slow'));
    await integrating.nth(before + 1);
    socket.resetAndDestroy();
    await disconnects.nth(disconnected + 1);
    // The integration's late answer has no socket to go to; it must not fail anything.
    await sleep(350);
    await assertWitnessServed();
  });
});
