/**
 * The `@channels` HTTP API beside `@connections`: publish, describe, subscribe and
 * unsubscribe, with the `@connections` API's protection (loopback or SigV4) and
 * wire format (`x-amzn-ErrorType`, `x-amzn-RequestId`, JSON error bodies).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertApiError, connectWithId, disconnectRecorder, signedFetch, whoami } from '../support/channels-harness.ts';
import { EventRecorder, startGateway } from '../support/gateway-harness.ts';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

describe('@channels HTTP API', () => {
  it('PUT members/{id} subscribes (204), POST publishes the raw body (200 {"recipients":n}), GET describes', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    const b = await connectWithId(url);
    for (const { id } of [a, b]) {
      const put = await fetch(`${managementUrl}/@channels/lobby/members/${encodeURIComponent(id)}`, { method: 'PUT' });
      assert.equal(put.status, 204);
      assert.match(put.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    }
    const published = await fetch(`${managementUrl}/@channels/lobby`, { method: 'POST', body: 'raw body, not JSON' });
    assert.equal(published.status, 200);
    assert.deepEqual(await published.json(), { recipients: 2 });
    assert.equal(await a.client.next(), 'raw body, not JSON');
    assert.equal(await b.client.next(), 'raw body, not JSON');

    const described = await fetch(`${managementUrl}/@channels/lobby`);
    assert.equal(described.status, 200);
    assert.match(described.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await described.json()) as { channel: string; count: number; members: string[] };
    assert.equal(body.channel, 'lobby');
    assert.equal(body.count, 2);
    assert.deepEqual(body.members.sort(), [a.id, b.id].sort());
  });

  it('DELETE members/{id} unsubscribes (204) and the connection gets nothing more', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    const member = `${managementUrl}/@channels/news/members/${encodeURIComponent(a.id)}`;
    assert.equal((await fetch(member, { method: 'PUT' })).status, 204);
    assert.equal((await fetch(member, { method: 'DELETE' })).status, 204);
    const published = await fetch(`${managementUrl}/@channels/news`, { method: 'POST', body: 'x' });
    assert.deepEqual(await published.json(), { recipients: 0 });
    assert.ok(await a.client.silentFor(100));
  });

  it('is served without the stage prefix, with %40 for @, and with a %2F-encoded name', async () => {
    const { url, managementPort } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    const base = `http://127.0.0.1:${managementPort}`;
    const put = await fetch(`${base}/%40channels/tenant%2Forders/members/${a.id.replace('=', '%3D')}`, {
      method: 'PUT',
    });
    assert.equal(put.status, 204);
    const published = await fetch(`${base}/@channels/tenant%2Forders`, { method: 'POST', body: 'order 1' });
    assert.deepEqual(await published.json(), { recipients: 1 });
    assert.equal(await a.client.next(), 'order 1');
    const described = (await (await fetch(`${base}/dev/%40channels/tenant%2Forders`)).json()) as { channel: string };
    assert.equal(described.channel, 'tenant/orders');
  });

  it('a message of 128 KB is published; a larger one is 413 PayloadTooLargeException', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    await fetch(`${managementUrl}/@channels/big/members/${encodeURIComponent(a.id)}`, { method: 'PUT' });
    const tooLarge = await fetch(`${managementUrl}/@channels/big`, { method: 'POST', body: 'x'.repeat(131_073) });
    await assertApiError(tooLarge, 413, 'PayloadTooLargeException');
    const largest = 'y'.repeat(131_072);
    const ok = await fetch(`${managementUrl}/@channels/big`, { method: 'POST', body: largest });
    assert.deepEqual(await ok.json(), { recipients: 1 });
    assert.equal(await a.client.next(), largest);
  });
});

describe('@channels HTTP API errors', () => {
  it('an invalid channel name is 400 BadRequestException on every operation', async () => {
    const { url, managementUrl } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    const bad = encodeURIComponent('has space');
    const id = encodeURIComponent(a.id);
    for (const [method, path] of [
      ['POST', `@channels/${bad}`],
      ['GET', `@channels/${bad}`],
      ['PUT', `@channels/${bad}/members/${id}`],
      ['DELETE', `@channels/${bad}/members/${id}`],
      ['GET', `@channels/${'x'.repeat(129)}`],
    ] as const) {
      const response = await fetch(`${managementUrl}/${path}`, { method, body: method === 'POST' ? 'x' : undefined });
      assert.match(await assertApiError(response, 400, 'BadRequestException'), /Invalid channel name/, path);
    }
  });

  it('an unknown or closed connection is 410 GoneException; a malformed id is 400', async () => {
    const disconnects = new EventRecorder();
    const { url, managementUrl } = await startGateway({
      routes: { $default: whoami, $disconnect: disconnectRecorder(disconnects) },
    });
    const unknown = await fetch(`${managementUrl}/@channels/room/members/AAAAAAAAAAAAAAA%3D`, { method: 'PUT' });
    await assertApiError(unknown, 410, 'GoneException');
    const malformed = await fetch(`${managementUrl}/@channels/room/members/nope`, { method: 'PUT' });
    await assertApiError(malformed, 400, 'BadRequestException');

    const a = await connectWithId(url);
    const member = `${managementUrl}/@channels/room/members/${encodeURIComponent(a.id)}`;
    assert.equal((await fetch(member, { method: 'PUT' })).status, 204);
    await a.client.close();
    await disconnects.nth(1);
    await assertApiError(await fetch(member, { method: 'PUT' }), 410, 'GoneException');
    await assertApiError(await fetch(member, { method: 'DELETE' }), 410, 'GoneException');
    const described = (await (await fetch(`${managementUrl}/@channels/room`)).json()) as { count: number };
    assert.equal(described.count, 0);
  });

  it('a wrong stage or an unsupported method is 403 ForbiddenException', async () => {
    const { managementPort, managementUrl } = await startGateway({ routes: { $default: whoami } });
    await assertApiError(
      await fetch(`http://127.0.0.1:${managementPort}/prod/@channels/room`, { method: 'POST', body: 'x' }),
      403,
      'ForbiddenException',
    );
    await assertApiError(await fetch(`${managementUrl}/@channels/room`, { method: 'PUT' }), 403, 'ForbiddenException');
    await assertApiError(
      await fetch(`${managementUrl}/@channels/room/members/AAAAAAAAAAAAAAA%3D`, { method: 'POST', body: 'x' }),
      403,
      'ForbiddenException',
    );
  });

  it('with access "signed", unsigned or wrongly signed calls are 403 and SigV4-signed calls pass', async () => {
    const { url, managementUrl } = await startGateway({
      routes: { $default: whoami },
      management: { access: 'signed', credentials },
    });
    const a = await connectWithId(url);
    const member = `${managementUrl}/@channels/vip/members/${encodeURIComponent(a.id)}`;
    await assertApiError(await fetch(member, { method: 'PUT' }), 403, 'ForbiddenException');
    const wrong = await signedFetch(member, { method: 'PUT' }, { ...credentials, secretAccessKey: 'not-the-secret' });
    await assertApiError(wrong, 403, 'ForbiddenException');

    assert.equal((await signedFetch(member, { method: 'PUT' }, credentials)).status, 204);
    const published = await signedFetch(
      `${managementUrl}/@channels/vip`,
      { method: 'POST', body: 'signed' },
      credentials,
    );
    assert.equal(published.status, 200);
    assert.deepEqual(await published.json(), { recipients: 1 });
    assert.equal(await a.client.next(), 'signed');
  });

  it('counts requests by operation and status in the management metrics', async () => {
    const { url, managementUrl, gateway } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    await fetch(`${managementUrl}/@channels/m/members/${encodeURIComponent(a.id)}`, { method: 'PUT' });
    await fetch(`${managementUrl}/@channels/m`, { method: 'POST', body: 'x' });
    await fetch(`${managementUrl}/@channels/bad%20name`, { method: 'GET' });
    const { body } = await gateway.metrics.render();
    assert.match(body, /switchboard_management_requests_total\{operation="Subscribe",status="204"\} 1/);
    assert.match(body, /switchboard_management_requests_total\{operation="Publish",status="200"\} 1/);
    assert.match(body, /switchboard_management_requests_total\{operation="GetChannel",status="400"\} 1/);
    assert.match(body, /switchboard_messages_out_total\{source="channel"\} 1/);
  });
});
