/**
 * The management listener (docs/gateway.md, "The management listener"): where it
 * listens, how handlers find it unchanged, and that it cannot be exposed to the
 * network without signatures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { createGateway } from '../../src/gateway.ts';
import { connect, startGateway } from '../support/gateway-harness.ts';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

describe('the management listener', () => {
  it('listens apart from the public listener, on loopback, and is what domainName names', async () => {
    let domainName = '';
    const running = await startGateway({
      routes: {
        $default: {
          handler: async (event: { requestContext: { domainName: string } }) => {
            domainName = event.requestContext.domainName;
            return { body: 'ok' };
          },
          routeResponse: true,
        },
      },
    });
    assert.notEqual(running.managementPort, running.port);
    assert.equal(running.managementHost, '127.0.0.1');
    assert.equal(running.managementUrl, `http://127.0.0.1:${running.managementPort}/dev`);
    const client = await connect(running.url);
    client.send('hi');
    assert.equal(await client.next(), 'ok');
    assert.equal(domainName, `localhost:${running.managementPort}`);
  });

  it('speaks TLS too, so https://${domainName}/${stage} reaches it', async () => {
    const running = await startGateway({ routes: { $default: { handler: async () => ({}) } } });
    const response = await fetch(`https://localhost:${running.managementPort}/metrics`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /switchboard_connections 0/);
  });

  it('answers nothing but the management plane: no WebSocket upgrades, no app pages', async () => {
    const running = await startGateway(
      { routes: { $default: { handler: async () => ({}) } } },
      { requestHandler: (_request, response) => response.writeHead(200).end('app page') },
    );
    const page = await fetch(`http://127.0.0.1:${running.managementPort}/index.html`);
    assert.equal(page.status, 404);
    await assert.rejects(connect(`ws://127.0.0.1:${running.managementPort}/dev`));
  });

  it('on a non-loopback address it needs access: signed', async () => {
    const definition = { routes: { $default: { handler: async () => ({}) } } };
    await assert.rejects(
      createGateway(definition, { logger: false, management: { host: '0.0.0.0' } }),
      (error: unknown) =>
        error instanceof ConfigError && /management\.access/.test(error.message) && /0\.0\.0\.0/.test(error.message),
    );
    const signed = await createGateway(
      { ...definition, management: { access: 'signed', credentials } },
      { logger: false, management: { host: '0.0.0.0' } },
    );
    await signed.close();
  });
});
