/**
 * Messages that nest JSON thousands of levels deep, within the frame and message
 * limits: the gateway's own steps that read the body (route selection, a model)
 * must not take a stack as deep as the client made it. Each such message fails
 * alone or is routed as API Gateway would; the gateway serves on. Real sockets,
 * real gateway.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayDefinition } from '../../src/definition.ts';
import { ErrorFrameMessage } from '../../src/error-frames.ts';
import { MAX_SELECTED_DEPTH } from '../../src/routing/selection-expression.ts';
import { connect, startGateway, type TestClient } from '../support/gateway-harness.ts';

/** The API Gateway frame limit: a longer message goes in fragments (spec 4). */
const FRAME_BYTES = 32 * 1024;

const definition: GatewayDefinition = {
  routes: {
    $default: { handler: (event: { body: string }) => ({ body: `default ${event.body.length}` }), routeResponse: true },
    ping: { handler: () => ({ body: 'pong' }), routeResponse: true },
    plant: {
      handler: () => ({ body: 'planted' }),
      routeResponse: true,
      // A recursive model: validating a tree takes one call per level.
      model: {
        type: 'object',
        properties: { tree: { $ref: '#/definitions/tree' } },
        definitions: { tree: { type: 'array', items: { $ref: '#/definitions/tree' } } },
      },
    },
  },
};

const nestedArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Sends a text message in frames of at most 32 KB. */
function sendInFragments(client: TestClient, text: string): void {
  for (let offset = 0; offset < text.length; offset += FRAME_BYTES) {
    client.socket.send(text.slice(offset, offset + FRAME_BYTES), { fin: offset + FRAME_BYTES >= text.length });
  }
}

async function assertServesOn(client: TestClient): Promise<void> {
  client.send({ action: 'ping' });
  assert.equal(await client.next(), 'pong');
}

describe('hostile clients: deeply nested JSON', () => {
  it('a selected value nested deeper than a key could be selects $default, in one frame or fragments', async () => {
    const { url } = await startGateway(definition);
    const client = await connect(url);
    for (const value of [nestedArray(6_000), nestedObject(20_000), nestedArray(60_000)]) {
      const message = `{"action":${value}}`;
      if (message.length <= FRAME_BYTES) client.send(message);
      else sendInFragments(client, message);
      assert.equal(await client.next(), `default ${message.length}`);
      await assertServesOn(client);
    }
    // Within the depth, the value is written out and compared with the keys as before.
    const shallow = `{"action":${nestedArray(MAX_SELECTED_DEPTH)}}`;
    client.send(shallow);
    assert.equal(await client.next(), `default ${shallow.length}`);
  });

  it('a body that a model cannot check without a stack as deep as its nesting fails alone', async () => {
    const { url } = await startGateway(definition);
    const client = await connect(url);
    const witness = await connect(url);
    sendInFragments(client, `{"action":"plant","tree":${nestedArray(60_000)}}`);
    const frame = JSON.parse(await client.next()) as { message: string };
    assert.equal(frame.message, ErrorFrameMessage.internalServerError);
    client.send({ action: 'plant', tree: [[[]], []] });
    assert.equal(await client.next(), 'planted');
    await assertServesOn(witness);
  });
});
