/**
 * A client that floods a slow handler: the work it starts and the memory it holds
 * stay bounded. At most `limits.maxInFlightPerConnection` calls run for it; the
 * messages it sent beyond wait in order while its socket is not read, so the rest
 * of the flood stays in the kernel and the client's own buffers. Asserted on
 * counts (the gateway's own gauges), never on timings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, EventRecorder, metricSamples, sleep, startGateway } from '../support/gateway-harness.ts';
import { until } from '../support/pairing.ts';
import { clientFrame, openSocket, untilReceived, upgradeRequest } from '../support/raw-sockets.ts';

describe('hostile clients: a flood to a slow handler', () => {
  it('keeps the calls in flight at the cap and the waiting messages to what one read holds', async () => {
    let running = 0;
    let mostRunning = 0;
    let started = 0;
    const disconnects = new EventRecorder();
    const gateway = await startGateway({
      routes: {
        $default: {
          handler: async () => {
            started++;
            mostRunning = Math.max(mostRunning, ++running);
            await sleep(200);
            running--;
            return { body: 'done' };
          },
          // Two-way: a paused socket reads nothing, so the reset is noticed when the next answer is written.
          routeResponse: true,
        },
        $disconnect: { handler: async (event: Record<string, unknown>) => void disconnects.record(event) },
      },
      limits: { maxInFlightPerConnection: 4 },
    });
    const witness = await connect(gateway.url);
    const socket = await openSocket(gateway.port);
    socket.write(upgradeRequest('/dev'));
    await untilReceived(socket, '\r\n\r\n');

    // 60,000 messages of 10 bytes (960 KB on the wire), written as fast as the kernel takes them.
    const frame = clientFrame('flood!!!!!');
    const flood = Buffer.concat(Array.from({ length: 60_000 }, () => frame));
    socket.write(flood);
    await until(() => started >= 4, 'the first calls');
    const samples = await metricSamples(gateway.gateway.metrics);
    const waiting = samples.get('switchboard_messages_waiting') ?? -1;
    const inFlight = samples.get('switchboard_integrations_in_flight') ?? -1;

    assert.equal(inFlight, 4);
    assert.equal(mostRunning, 4);
    // What one socket read (64 KB) can hold in 16-byte frames, not the 60,000 sent: the
    // socket is read again only once the queue is empty, and the rest stays in the kernel.
    assert.ok(waiting > 0 && waiting <= (64 * 1024) / frame.length + 1, `${waiting} messages waiting`);

    // Other connections are served meanwhile.
    witness.send('{"action":"x"}');
    assert.equal(await witness.next(), 'done');
    socket.resetAndDestroy();
    await disconnects.nth(1);
    await until(() => running === 0, 'the calls in flight to finish');
    const after = await metricSamples(gateway.gateway.metrics);
    assert.equal(after.get('switchboard_messages_waiting'), 0);
    assert.equal(after.get('switchboard_integrations_in_flight'), 0);
    assert.ok(started < 60_000, `${started} calls started`);
  });

  it('starts waiting messages in the order they were sent', async () => {
    const seen: string[] = [];
    const gateway = await startGateway({
      routes: {
        $default: {
          handler: async (event: { body: string }) => {
            seen.push(event.body);
            await sleep(20);
            return { body: event.body };
          },
          routeResponse: true,
        },
      },
      limits: { maxInFlightPerConnection: 2 },
    });
    const client = await connect(gateway.url);
    const sent = Array.from({ length: 30 }, (_, i) => `m${i}`);
    for (const text of sent) client.send(text);
    const answers = new Set<string>();
    while (answers.size < sent.length) answers.add(await client.next());
    assert.deepEqual(seen, sent);
  });
});
