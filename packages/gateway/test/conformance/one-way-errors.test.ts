/**
 * Spec 1.6: a one-way route drops its integration's result, so a handler that
 * answers 5xx there goes unseen by the client, as on AWS. The gateway's log says it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DestinationStream } from 'pino';
import { createLogger } from '../../src/observability/logger.ts';
import { connect, sleep, startGateway, withTimeout } from '../support/gateway-harness.ts';

describe('conformance: a one-way route answering 5xx', () => {
  it('sends the client nothing and logs a warning with the route and status', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination: DestinationStream = { write: (line: string) => lines.push(JSON.parse(line)) };
    const { url } = await startGateway(
      {
        routes: {
          broken: { handler: async () => ({ statusCode: 503, body: 'down' }) },
          $default: { handler: async () => ({ statusCode: 200, body: 'ok' }), routeResponse: true },
        },
      },
      { logger: createLogger({ destination }) },
    );
    const client = await connect(url);
    client.send({ action: 'broken' });
    // The next two-way answer arrives first: nothing was sent for `broken`.
    client.send('after');
    assert.equal(await client.next(), 'ok');
    const find = () => lines.find((line) => line.msg === 'one-way route returned an error status');
    await withTimeout(
      (async () => {
        while (!find()) await sleep(10);
      })(),
      3000,
      'no warning was logged',
    );
    const warning = find();
    assert.ok(warning);
    assert.equal(warning.routeKey, 'broken');
    assert.equal(warning.statusCode, 503);
    assert.equal(warning.level, 40);
    await client.close();
  });
});
