/**
 * Checklist 84-88 (spec 5): request validation with draft-4 models picked by a
 * route's `modelSelectionExpression`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonSchema, RouteDefinition } from '../../src/definition.ts';
import { connect, startGateway } from '../support/gateway-harness.ts';

const DRAFT_4 = 'http://json-schema.org/draft-04/schema#';

/** The spec's own example model (spec 5). */
const addressModel: JsonSchema = {
  $schema: DRAFT_4,
  type: 'object',
  required: ['address'],
  properties: { address: { type: 'string' } },
};

const greetingModel: JsonSchema = {
  $schema: DRAFT_4,
  type: 'object',
  required: ['greeting'],
  properties: { greeting: { type: 'string', minLength: 1 } },
};

const INVALID_BODY_FRAME = /^\{"message": "Invalid request body", "connectionId":"([^"]+)", "requestId":"[^"]+"\}$/;

/** A route that records the bodies it receives and echoes them (two-way). */
function recordingRoute(received: string[], extra: Partial<RouteDefinition>): RouteDefinition {
  return {
    handler: async (event: { body: string }) => {
      received.push(event.body);
      return { statusCode: 200, body: `ok ${event.body}` };
    },
    routeResponse: true,
    ...extra,
  };
}

/** Opens a client on a gateway whose `$default` route carries the given models. */
async function gatewayWithModels(received: string[], models: Partial<RouteDefinition>) {
  const { url } = await startGateway({ routes: { $default: recordingRoute(received, models) } });
  return connect(url);
}

/** Asserts the next frame is the Invalid request body frame for this client's connection. */
async function expectInvalidBody(client: Awaited<ReturnType<typeof connect>>): Promise<void> {
  const frame = await client.next();
  assert.match(frame, INVALID_BODY_FRAME);
  const connectionId = JSON.parse(frame).connectionId as string;
  assert.ok(connectionId.length > 0);
}

const byMessageType: Partial<RouteDefinition> = {
  modelSelectionExpression: '${request.body.messageType}',
  models: { address: addressModel, greeting: greetingModel },
};

describe('conformance: request validation (spec 5)', () => {
  it('11.84 an invalid body gets the Invalid request body frame and the integration is not invoked', async () => {
    const received: string[] = [];
    const client = await gatewayWithModels(received, byMessageType);
    client.send({ messageType: 'address', address: 42 });
    await expectInvalidBody(client);
    client.send({ messageType: 'greeting' });
    await expectInvalidBody(client);
    assert.equal(await client.silentFor(100), true);
    assert.deepEqual(received, []);
    assert.equal(client.socket.readyState, client.socket.OPEN, 'a validation failure keeps the connection open');
    await client.close();
  });

  it('11.84 the Invalid request body frame carries the connection id the $connect event had', async () => {
    const connectionIds: string[] = [];
    const { url } = await startGateway({
      routes: {
        $connect: {
          handler: async (event: { requestContext: { connectionId: string } }) => {
            connectionIds.push(event.requestContext.connectionId);
            return { statusCode: 200 };
          },
        },
        $default: recordingRoute([], { model: addressModel }),
      },
    });
    const client = await connect(url);
    client.send({ address: false });
    const frame = await client.next();
    assert.match(frame, INVALID_BODY_FRAME);
    assert.deepEqual([JSON.parse(frame).connectionId], connectionIds);
    await client.close();
  });

  it('11.85 a body valid against the selected model reaches the integration unchanged', async () => {
    const received: string[] = [];
    const client = await gatewayWithModels(received, byMessageType);
    // Spacing and key order kept exactly as sent.
    const body = '{ "messageType":"address",   "address": "1 Main St", "extra": [1,2] }';
    client.send(body);
    assert.equal(await client.next(), `ok ${body}`);
    assert.deepEqual(received, [body]);
    await client.close();
  });

  it('11.86 when the selection expression matches no model key the $default model is used', async () => {
    const received: string[] = [];
    const client = await gatewayWithModels(received, {
      modelSelectionExpression: '${request.body.messageType}',
      models: { greeting: greetingModel, $default: addressModel },
    });
    client.send({ messageType: 'other' });
    await expectInvalidBody(client);
    const valid = JSON.stringify({ messageType: 'other', address: 'here' });
    client.send(valid);
    assert.equal(await client.next(), `ok ${valid}`);
    assert.deepEqual(received, [valid]);
    await client.close();
  });

  it('11.87 when the selection expression matches no model key and there is no $default model, validation fails', async () => {
    const received: string[] = [];
    const client = await gatewayWithModels(received, byMessageType);
    // This body would satisfy both models, but its key selects none.
    client.send({ messageType: 'unknown', address: 'a', greeting: 'g' });
    await expectInvalidBody(client);
    client.send({ address: 'no messageType at all' });
    await expectInvalidBody(client);
    assert.deepEqual(received, []);
    await client.close();
  });

  it('11.88 validation applies to AWS_PROXY routes too (one-way handler routes included)', async () => {
    const received: string[] = [];
    const { url } = await startGateway({
      routes: {
        // A Lambda proxy handler with no route response: the frame still arrives.
        sendmessage: {
          handler: async (event: { body: string }) => {
            received.push(event.body);
            return { statusCode: 200 };
          },
          model: {
            $schema: DRAFT_4,
            type: 'object',
            required: ['action', 'text'],
            properties: { action: { type: 'string' }, text: { type: 'string', maxLength: 5 } },
          },
        },
      },
    });
    const client = await connect(url);
    client.send({ action: 'sendmessage', text: 'far too long' });
    await expectInvalidBody(client);
    const valid = JSON.stringify({ action: 'sendmessage', text: 'hi' });
    client.send(valid);
    assert.equal(await client.silentFor(150), true, 'a one-way route sends nothing for a valid body');
    assert.deepEqual(received, [valid]);
    await client.close();
  });
});
