/** `/config.json` from a real HTTP server: used when it is a config, ignored otherwise. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadServerConfig, serverConfig } from '../src/server-config.ts';
import { webSocketUrl } from '../src/session-storage.ts';

describe('loadServerConfig', () => {
  let answer: { status: number; type: string; body: string };
  const server = createServer((request, response) => {
    assert.equal(request.url, '/config.json');
    response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
  });
  let base: string;
  const fetchFromServer: typeof fetch = (path, init) => fetch(new URL(String(path), base), init);
  const page = { protocol: 'https:', host: 'chat.example' } as Location;

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('uses the deployed endpoints', async () => {
    const deployed = {
      webSocketUrl: 'wss://abc.execute-api.example/ws',
      httpApiUrl: 'https://def.execute-api.example',
    };
    answer = { status: 200, type: 'application/json', body: JSON.stringify(deployed) };
    assert.deepEqual(await loadServerConfig(fetchFromServer), deployed);
    assert.deepEqual(serverConfig(), deployed);
    assert.equal(webSocketUrl('t k', page), 'wss://abc.execute-api.example/ws?token=t%20k');
  });

  it('falls back to the page’s origin without a config', async () => {
    for (const missing of [
      { status: 404, type: 'application/json', body: '{"message":"Not Found"}' },
      { status: 200, type: 'text/html', body: '<!doctype html>' },
      { status: 200, type: 'application/json', body: '{"webSocketUrl":42}' },
    ]) {
      answer = missing;
      assert.deepEqual(await loadServerConfig(fetchFromServer), {}, missing.body);
      assert.equal(webSocketUrl('t', page), 'wss://chat.example/ws?token=t');
    }
  });
});
