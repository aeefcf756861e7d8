/**
 * Checklist 54-75: the `@connections` management API, driven by the real
 * `@aws-sdk/client-apigatewaymanagementapi` client and by raw HTTP where the wire
 * format itself is the point.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { WebSocketEvent } from '../../src/events.ts';
import { connect, EventRecorder, errorOf, sleep, startGateway, type TestClient } from '../support/gateway-harness.ts';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

function sdk(endpoint: string, secretAccessKey = credentials.secretAccessKey): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

/** The connection id of a client, learned from a `$default` route that answers with it. */
async function connectionIdOf(client: TestClient): Promise<string> {
  client.send('whoami');
  return (await client.next()).trim();
}

const whoami = {
  handler: async (event: WebSocketEvent) => ({ statusCode: 200, body: event.requestContext.connectionId }),
  routeResponse: true,
};

describe('@connections PostToConnection', () => {
  it('11.54 POST /{stage}/@connections/{id} delivers the body as one text message and returns 200', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const response = await fetch(`${managementUrl}/@connections/${encodeURIComponent(id)}`, {
      method: 'POST',
      body: 'hello there',
    });
    assert.equal(response.status, 200);
    assert.equal(await client.next(), 'hello there');
  });

  it('11.55 POST /@connections/{id} without the stage prefix is accepted', async () => {
    const { url, managementPort } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const response = await fetch(`http://127.0.0.1:${managementPort}/@connections/${encodeURIComponent(id)}`, {
      method: 'POST',
      body: 'no stage',
    });
    assert.equal(response.status, 200);
    assert.equal(await client.next(), 'no stage');
  });

  it('11.56 a path with %40connections and %3D in the id is decoded and accepted', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    assert.ok(id.endsWith('='));
    const response = await fetch(`${managementUrl}/%40connections/${id.replace('=', '%3D')}`, {
      method: 'POST',
      body: 'encoded',
    });
    assert.equal(response.status, 200);
    assert.equal(await client.next(), 'encoded');
  });

  it('11.57 the SDK PostToConnectionCommand with endpoint <base>/<stage> succeeds end to end', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const output = await sdk(managementUrl).send(
      new PostToConnectionCommand({ ConnectionId: id, Data: 'from the sdk' }),
    );
    assert.equal(output.$metadata.httpStatusCode, 200);
    assert.equal(await client.next(), 'from the sdk');
  });

  it('11.58 post to a closed connection is 410 GoneException, and the SDK throws name GoneException', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    await client.close();
    const raw = await fetch(`${managementUrl}/@connections/${encodeURIComponent(id)}`, { method: 'POST', body: 'x' });
    assert.equal(raw.status, 410);
    assert.equal(raw.headers.get('x-amzn-errortype'), 'GoneException');
    const error = await errorOf(sdk(managementUrl).send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })));
    assert.equal(error.name, 'GoneException');
    assert.equal(error.$metadata.httpStatusCode, 410);
  });

  it('11.59 post to a well-formed id that never existed is 410 GoneException', async () => {
    const { managementUrl } = await startGateway({ routes: { $default: whoami } });
    const error = await errorOf(
      sdk(managementUrl).send(new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' })),
    );
    assert.equal(error.name, 'GoneException');
    assert.equal(error.$metadata.httpStatusCode, 410);
  });

  it('11.60 post to a malformed id is 400 BadRequestException', async () => {
    const { managementUrl } = await startGateway({ routes: { $default: whoami } });
    const raw = await fetch(`${managementUrl}/@connections/not-an-id`, { method: 'POST', body: 'x' });
    assert.equal(raw.status, 400);
    assert.equal(raw.headers.get('x-amzn-errortype'), 'BadRequestException');
    const error = await errorOf(
      sdk(managementUrl).send(new PostToConnectionCommand({ ConnectionId: 'not-an-id', Data: 'x' })),
    );
    assert.equal(error.$metadata.httpStatusCode, 400);
  });

  it('11.61 post from inside the $connect handler to its own connection is 410 GoneException', async () => {
    const outcomes = new EventRecorder<{ name: string; status?: number }>();
    let managementUrl = '';
    const running = await startGateway({
      routes: {
        $connect: {
          handler: async (event: WebSocketEvent) => {
            const error = await errorOf(
              sdk(managementUrl).send(
                new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: 'early' }),
              ),
            );
            outcomes.record({ name: error.name, status: error.$metadata.httpStatusCode });
            return { statusCode: 200 };
          },
        },
      },
    });
    managementUrl = running.managementUrl;
    const client = await connect(running.url);
    assert.deepEqual(await outcomes.nth(1), { name: 'GoneException', status: 410 });
    assert.equal(await client.silentFor(100), true);
  });

  it('11.62 post from inside $disconnect to its own connection is 410', async () => {
    const outcomes = new EventRecorder<{ name: string; status?: number }>();
    const running = await startGateway({
      routes: {
        $disconnect: {
          handler: async (event: WebSocketEvent) => {
            const error = await errorOf(
              running.gateway.management.postToConnection({
                ConnectionId: event.requestContext.connectionId,
                Data: 'late',
              }),
            );
            const viaSdk = await errorOf(
              sdk(running.managementUrl).send(
                new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: 'late' }),
              ),
            );
            outcomes.record({ name: error.name, status: error.$metadata.httpStatusCode });
            outcomes.record({ name: viaSdk.name, status: viaSdk.$metadata.httpStatusCode });
          },
        },
      },
    });
    const client = await connect(running.url);
    await client.close();
    assert.deepEqual(await outcomes.nth(1), { name: 'GoneException', status: 410 });
    assert.deepEqual(await outcomes.nth(2), { name: 'GoneException', status: 410 });
  });

  it('11.63 post with data over 131072 bytes is 413 PayloadTooLargeException', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const error = await errorOf(
      sdk(managementUrl).send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.alloc(131_073, 'a') })),
    );
    assert.equal(error.name, 'PayloadTooLargeException');
    assert.equal(error.$metadata.httpStatusCode, 413);
    assert.equal(await client.silentFor(100), true);
  });

  it('11.64 post with data over 32 KB and up to 128 KB is delivered intact', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const data = 'x'.repeat(131_072);
    await sdk(managementUrl).send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));
    assert.equal(await client.next(), data);
  });

  it('11.65 a management call that fails authorization is 403 ForbiddenException', async () => {
    const { url, managementUrl } = await startGateway({
      routes: { $default: whoami },
      management: { access: 'signed', credentials },
    });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const wrongSecret = await errorOf(
      sdk(managementUrl, 'not-the-secret').send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })),
    );
    assert.equal(wrongSecret.name, 'ForbiddenException');
    assert.equal(wrongSecret.$metadata.httpStatusCode, 403);
    const unsigned = await fetch(`${managementUrl}/@connections/${encodeURIComponent(id)}`, {
      method: 'POST',
      body: 'x',
    });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'ForbiddenException');
    // The right credentials pass the SigV4 check.
    await sdk(managementUrl).send(new PostToConnectionCommand({ ConnectionId: id, Data: 'signed' }));
    assert.equal(await client.next(), 'signed');
  });

  it('11.65 a wrong stage in the endpoint is 403 ForbiddenException', async () => {
    const { url, port } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const error = await errorOf(
      sdk(`http://127.0.0.1:${port}/prod`).send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })),
    );
    assert.equal(error.name, 'ForbiddenException');
  });

  it('11.66 a throttled management call is 429 LimitExceededException', async () => {
    const { url, managementUrl } = await startGateway({
      routes: { $default: whoami },
      management: { throttling: { burstLimit: 1, rateLimit: 0.001 } },
    });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const api = sdk(managementUrl);
    await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'first' }));
    const error = await errorOf(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'second' })));
    assert.equal(error.name, 'LimitExceededException');
    assert.equal(error.$metadata.httpStatusCode, 429);
  });

  it('11.67 every management error body is valid JSON', async () => {
    const { managementUrl } = await startGateway({
      routes: { $default: whoami },
      management: { access: 'signed', credentials },
    });
    const open = await startGateway({ routes: { $default: whoami } });
    const responses = [
      await fetch(`${managementUrl}/@connections/AAAAAAAAAAAAAAA=`, { method: 'POST', body: 'x' }), // 403
      await fetch(`${open.managementUrl}/@connections/AAAAAAAAAAAAAAA=`, { method: 'POST', body: 'x' }), // 410
      await fetch(`${open.managementUrl}/@connections/bad`, { method: 'GET' }), // 400
      await fetch(`${open.managementUrl}/@connections/AAAAAAAAAAAAAAA=`, { method: 'POST', body: 'x'.repeat(131_073) }), // 413
      await fetch(`${open.managementUrl}/@connections/AAAAAAAAAAAAAAA=`, { method: 'PUT', body: 'x' }), // 403
    ];
    assert.deepEqual(
      responses.map((response) => response.status),
      [403, 410, 400, 413, 403],
    );
    for (const response of responses) {
      const text = await response.text();
      assert.equal(typeof JSON.parse(text).message, 'string', `body ${text}`);
      assert.equal(response.headers.get('content-type'), 'application/json');
    }
  });

  it('11.68 every management response carries x-amzn-RequestId, exposed as $metadata.requestId', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const api = sdk(managementUrl);
    const ok = await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' }));
    assert.match(ok.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    const failed = await errorOf(
      api.send(new PostToConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=', Data: 'x' })),
    );
    assert.match(failed.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(failed.$metadata.requestId, ok.$metadata.requestId);
  });
});

describe('@connections GetConnection and DeleteConnection', () => {
  it('11.69 GetConnection returns connectedAt, identity.sourceIp, identity.userAgent and lastActiveAt', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url, { headers: { 'User-Agent': 'conformance-agent/1.0' } });
    const id = await connectionIdOf(client);
    const response = await fetch(`${managementUrl}/@connections/${encodeURIComponent(id)}`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['connectedAt', 'identity', 'lastActiveAt']);
    assert.equal(new Date(body.connectedAt as string).toISOString(), body.connectedAt);
    assert.equal(new Date(body.lastActiveAt as string).toISOString(), body.lastActiveAt);
    assert.deepEqual(body.identity, { sourceIp: '127.0.0.1', userAgent: 'conformance-agent/1.0' });
  });

  it('11.70 the SDK parses GetConnection into Dates and Identity', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const before = Date.now();
    const client = await connect(url, { headers: { 'User-Agent': 'sdk-check' } });
    const id = await connectionIdOf(client);
    const output = await sdk(managementUrl).send(new GetConnectionCommand({ ConnectionId: id }));
    assert.ok(output.ConnectedAt instanceof Date);
    assert.ok(output.LastActiveAt instanceof Date);
    assert.ok((output.ConnectedAt as Date).getTime() >= before - 1000);
    assert.deepEqual(output.Identity, { SourceIp: '127.0.0.1', UserAgent: 'sdk-check' });
  });

  it('11.71 lastActiveAt advances after the client sends a message', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const api = sdk(managementUrl);
    const first = (await api.send(new GetConnectionCommand({ ConnectionId: id }))).LastActiveAt as Date;
    await sleep(20);
    await connectionIdOf(client);
    const second = (await api.send(new GetConnectionCommand({ ConnectionId: id }))).LastActiveAt as Date;
    assert.ok(second.getTime() > first.getTime(), `${second.toISOString()} > ${first.toISOString()}`);
  });

  it('11.72 GetConnection on a closed connection is 410 GoneException', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    await client.close();
    const error = await errorOf(sdk(managementUrl).send(new GetConnectionCommand({ ConnectionId: id })));
    assert.equal(error.name, 'GoneException');
  });

  it('11.73 DeleteConnection returns 204, closes the client socket, and the SDK resolves', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const raw = await fetch(`${managementUrl}/@connections/${encodeURIComponent(id)}`, { method: 'DELETE' });
    assert.equal(raw.status, 204);
    assert.equal((await client.closed).code, 1000);
    const other = await connect(url);
    const otherId = await connectionIdOf(other);
    const output = await sdk(managementUrl).send(new DeleteConnectionCommand({ ConnectionId: otherId }));
    assert.equal(output.$metadata.httpStatusCode, 204);
    await other.closed;
  });

  it('11.74 after DeleteConnection, $disconnect fires with 1000 "Connection Closed Normally"', async () => {
    const disconnects = new EventRecorder<WebSocketEvent>();
    const { url, managementUrl } = await startGateway({
      routes: {
        $default: whoami,
        $disconnect: { handler: async (event: WebSocketEvent) => disconnects.record(event) },
      },
    });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    await sdk(managementUrl).send(new DeleteConnectionCommand({ ConnectionId: id }));
    const event = await disconnects.nth(1);
    assert.equal(event.requestContext.disconnectStatusCode, 1000);
    assert.equal(event.requestContext.disconnectReason, 'Connection Closed Normally');
    assert.equal(event.requestContext.connectionId, id);
  });

  it('11.75 DeleteConnection on an already closed connection is 410 GoneException', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    const api = sdk(managementUrl);
    await api.send(new DeleteConnectionCommand({ ConnectionId: id }));
    const error = await errorOf(api.send(new DeleteConnectionCommand({ ConnectionId: id })));
    assert.equal(error.name, 'GoneException');
    assert.equal(error.$metadata.httpStatusCode, 410);
  });
});

describe('the callback URL handlers build on AWS', () => {
  it('a handler posting to https://${domainName}/${stage} with the real SDK reaches its client unchanged', async () => {
    const { url } = await startGateway({
      routes: {
        $default: {
          // Exactly the code an AWS handler has: the endpoint comes from the event.
          handler: async (event: WebSocketEvent) => {
            const { domainName, stage, connectionId } = event.requestContext;
            const client = new ApiGatewayManagementApiClient({
              endpoint: `https://${domainName}/${stage}`,
              region: 'us-east-1',
              credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
            });
            await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: `echo: ${event.body}` }));
            return { statusCode: 200 };
          },
        },
      },
    });
    const client = await connect(url);
    client.send('over https');
    assert.equal(await client.next(), 'echo: over https');
  });

  it('the in-process client answers like the SDK: GoneException by name for a closed connection', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const client = await connect(url);
    const id = await connectionIdOf(client);
    await gateway.management.postToConnection({ ConnectionId: id, Data: 'in process' });
    assert.equal(await client.next(), 'in process');
    const described = await gateway.management.getConnection({ ConnectionId: id });
    assert.ok(described.ConnectedAt instanceof Date);
    await gateway.management.deleteConnection({ ConnectionId: id });
    await client.closed;
    const error = await errorOf(gateway.management.postToConnection({ ConnectionId: id, Data: 'x' }));
    assert.equal(error.name, 'GoneException');
    assert.equal(error.$metadata.httpStatusCode, 410);
  });
});
