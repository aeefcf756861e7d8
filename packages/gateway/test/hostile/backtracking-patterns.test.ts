/**
 * A client's text against an app's regular expression that backtracks: a mapping
 * template's `matches`, a model's `pattern`, an integration response key matched
 * against a function error that repeats the client's text. Each would hold the event
 * loop for hours on forty characters; each is stopped at its time limit, fails only
 * that request, and the gateway goes on serving everyone. Real sockets, real gateway.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayDefinition } from '../../src/definition.ts';
import { ErrorFrameMessage } from '../../src/error-frames.ts';
import { connect, startGateway } from '../support/gateway-harness.ts';

/** Forty `a`s and no `b`: `(a+)+b` tries every way of splitting them before it fails. */
const EVIL = 'a'.repeat(40);

const definition: GatewayDefinition = {
  routes: {
    check: {
      routeResponse: true,
      integration: {
        type: 'MOCK',
        requestTemplates: {
          $default: `#if($input.path('$.name').matches('(a+)+b')){"statusCode": 200}#else{"statusCode": 404}#end`,
        },
        responses: { '/2\\d\\d/': { template: '{"matched":true}' }, $default: { template: '{"matched":false}' } },
      },
    },
    register: {
      handler: () => ({ body: 'registered' }),
      routeResponse: true,
      model: { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+b$' } } },
    },
    lookup: {
      handler: (event: { name: string }) => {
        throw new Error(`Not found: ${event.name}`);
      },
      routeResponse: true,
      integration: {
        type: 'AWS',
        requestTemplates: { $default: `{"name":"$util.escapeJavaScript($input.path('$.name'))"}` },
        responses: { '/Not found: (a+)+b/': { template: '{"found":false}' }, $default: { template: '{"error":true}' } },
      },
    },
    ping: { handler: () => ({ body: 'pong' }), routeResponse: true },
  },
};

function messageOf(frame: string): string {
  return (JSON.parse(frame) as { message: string }).message;
}

describe('hostile clients: text on which an app pattern backtracks', () => {
  it('fails only that request, in a template, a model and a response key, and the gateway serves on', async () => {
    const { url } = await startGateway(definition);
    const attacker = await connect(url);
    const witness = await connect(url);

    attacker.send({ action: 'check', name: EVIL });
    assert.equal(messageOf(await attacker.next()), ErrorFrameMessage.internalServerError);
    attacker.send({ action: 'register', name: EVIL });
    assert.equal(messageOf(await attacker.next()), ErrorFrameMessage.invalidRequestBody);
    attacker.send({ action: 'lookup', name: EVIL });
    assert.equal(messageOf(await attacker.next()), ErrorFrameMessage.internalServerError);

    witness.send({ action: 'ping' });
    assert.equal(await witness.next(), 'pong');

    // The same patterns on text they match, or fail fast on, work as written.
    attacker.send({ action: 'check', name: 'aaab' });
    assert.deepEqual(JSON.parse(await attacker.next()), { matched: true });
    attacker.send({ action: 'check', name: 'x' });
    assert.deepEqual(JSON.parse(await attacker.next()), { matched: false });
    attacker.send({ action: 'register', name: 'aab' });
    assert.equal(await attacker.next(), 'registered');
    attacker.send({ action: 'lookup', name: 'aab' });
    assert.deepEqual(JSON.parse(await attacker.next()), { found: false });
    await Promise.all([attacker.close(), witness.close()]);
  });
});
