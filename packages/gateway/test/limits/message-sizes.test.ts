/**
 * API Gateway's 128 KB message quota (spec 4) on everything sent to a client, so an
 * app that works here cannot break on AWS for size: a route response over it is
 * not sent (the client gets `Internal server error`, as for a failed integration),
 * and `@connections` posts and channel publishes over it are refused with 413
 * `PayloadTooLargeException` (tested in conformance/management and channels/).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertErrorFrame, connect, metricSamples, startGateway } from '../support/gateway-harness.ts';

const LIMIT = 131_072;

describe('message sizes: route responses', () => {
  async function startSized() {
    return startGateway({
      routes: {
        $default: {
          // Answers with a body of the size the message names; `é` is two bytes in UTF-8.
          handler: async (event: { body: string }) => {
            const [size, char = 'x'] = event.body.split(' ');
            return { body: (char as string).repeat(Number(size) / Buffer.byteLength(char as string)) };
          },
          routeResponse: true,
        },
      },
    });
  }

  it('a route response of 128 KB is delivered', async () => {
    const { url } = await startSized();
    const client = await connect(url);
    client.send(`${LIMIT}`);
    assert.equal((await client.next()).length, LIMIT);
  });

  it('a larger one, counted in UTF-8 bytes, is not sent: the client gets Internal server error', async () => {
    const { url, gateway } = await startSized();
    const client = await connect(url);
    client.send(`${LIMIT + 2} é`);
    const frame = await client.next();
    assert.ok(frame.length < 200, 'the oversized response was sent');
    const id = /"connectionId":"([^"]+)"/.exec(frame)?.[1] ?? '';
    assertErrorFrame(frame, 'Internal server error', id);
    const samples = await metricSamples(gateway.metrics);
    assert.equal(samples.get('switchboard_integration_errors_total{route="$default",kind="error"}'), 1);
    // The connection stays open.
    client.send('3');
    assert.equal(await client.next(), 'xxx');
  });
});
