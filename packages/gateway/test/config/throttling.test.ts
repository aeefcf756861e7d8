/**
 * Stage and route throttling settings: `false` turns throttling off, and
 * `switchboard serve` gives a stage without settings AWS's account default.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withServeDefaults } from '../../src/cli.ts';
import { validateDefinition } from '../../src/config/validate.ts';
import { ConfigError } from '../../src/errors.ts';
import { ACCOUNT_THROTTLING } from '../../src/settings.ts';
import { assertErrorFrame, connect, startGateway } from '../support/gateway-harness.ts';

const echo = { handler: async (event: { body: string }) => ({ body: event.body }), routeResponse: true };

describe('throttling settings', () => {
  it('switchboard serve gives a stage without throttling the AWS account default, and keeps false or a setting', () => {
    const routes = { $default: { handler: 'handlers.mjs#echo' } };
    assert.deepEqual(withServeDefaults({ routes }).throttling, ACCOUNT_THROTTLING);
    assert.deepEqual(ACCOUNT_THROTTLING, { burstLimit: 5000, rateLimit: 10_000 });
    assert.equal(withServeDefaults({ routes, throttling: false }).throttling, false);
    const own = { burstLimit: 1, rateLimit: 2 };
    assert.equal(withServeDefaults({ routes, throttling: own }).throttling, own);
  });

  it('false turns throttling off for a route, under a stage that throttles', async () => {
    const { url } = await startGateway({
      throttling: { burstLimit: 1, rateLimit: 0 },
      routes: { $default: echo, free: { ...echo, throttling: false } },
    });
    const client = await connect(url);
    for (let i = 0; i < 5; i++) {
      client.send({ action: 'free', i });
      assert.equal(await client.next(), JSON.stringify({ action: 'free', i }));
    }
    client.send('one');
    assert.equal(await client.next(), 'one');
    client.send('two');
    const frame = await client.next();
    assertErrorFrame(frame, 'Too Many Requests', /"connectionId":"([^"]+)"/.exec(frame)?.[1] ?? '');
  });

  it('anything but a bucket or false is a config error', () => {
    assert.throws(
      () => validateDefinition({ routes: { $default: echo }, throttling: true }),
      (error: unknown) => error instanceof ConfigError && /throttling/.test(error.message),
    );
  });
});
