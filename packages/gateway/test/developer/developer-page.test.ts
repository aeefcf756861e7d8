/**
 * The developer page in Chromium against a real gateway and real `ws` clients:
 * a connection appears with its identity, its events follow, the console's frame
 * reaches the client; connection data that looks like markup stays text. And
 * where it is not served: the public listener, a signed management plane, a
 * host name that is not loopback, a console call from another page.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '@switchboard/web/testing/browser';
import type { Browser, Page } from 'playwright-core';
import { createGateway } from '../../src/gateway.ts';
import { ALLOW_ANY, connect, startGateway, withTimeout } from '../support/gateway-harness.ts';

const WAIT_MS = 15_000;
/** Markup a client controls, in its user agent and (through the authorizer) its identity. */
const HOSTILE = '<img src=x onerror="window.__injected=1"><script>window.__injected=2</script>';

/** A raw GET or POST with the headers given (a Host header `fetch` would not let through). */
function rawRequest(
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return withTimeout(
    new Promise((resolve, reject) => {
      const outgoing = request(
        { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method, headers },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    }),
    WAIT_MS,
    `no answer from ${url}`,
  );
}

describe('the developer page', { timeout: 120_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  async function openPage(url: string): Promise<Page> {
    const context = await browser.newContext();
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  it('shows a connection with its identity and its events, and its console sends a frame the client receives', async () => {
    const { url, developerUrl } = await startGateway({
      authorizer: {
        identitySource: ['route.request.header.X-Name'],
        handler: async (event: { headers: Record<string, string> }) => ({
          ...ALLOW_ANY,
          principalId: `user ${HOSTILE}`,
          context: { name: event.headers['X-Name'], plan: 'pro' },
        }),
      },
      routes: {
        echo: { handler: async () => ({ statusCode: 200, body: 'echoed' }), routeResponse: true },
        broken: { handler: async () => ({ statusCode: 502 }) },
      },
    });
    assert.ok(developerUrl);
    const page = await openPage(developerUrl);
    await page.locator('#status', { hasText: 'live' }).waitFor();

    const client = await connect(url, { headers: { 'X-Name': HOSTILE, 'User-Agent': `agent ${HOSTILE}` } });
    const row = page.locator('#connections tbody tr').first();
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    const connectionId = cells[0] ?? '';
    assert.match(connectionId, /^[A-Za-z0-9_-]+=*$/);
    assert.equal(cells[1], `user ${HOSTILE}`, 'the principal, as text');
    assert.equal(cells[2], JSON.stringify({ name: HOSTILE, plan: 'pro' }), 'the authorizer context, as text');
    assert.equal(cells[3], '127.0.0.1');
    assert.equal(cells[4], `agent ${HOSTILE}`);

    client.send({ action: 'echo', text: HOSTILE });
    assert.equal(await client.next(WAIT_MS), 'echoed');
    client.send({ action: 'broken' });
    const messages = page.locator('#events tbody tr', { hasText: 'MESSAGE' });
    await messages.filter({ hasText: 'broken' }).waitFor();
    const echoed = await messages.filter({ hasText: 'echo' }).first().locator('td').allTextContents();
    assert.deepEqual(echoed.slice(1, 6), ['MESSAGE', connectionId, 'echo', '200', '200']);
    assert.match(echoed[6] ?? '', /^\d+ ms$/, 'the integration latency');
    assert.equal(echoed[7], JSON.stringify({ action: 'echo', text: HOSTILE }), 'the body, as text');
    await page.locator('#routes tbody tr', { hasText: 'broken' }).locator('td', { hasText: /^1$/ }).nth(1).waitFor();
    const connectEvent = await page.locator('#events tbody tr', { hasText: 'CONNECT' }).locator('td').allTextContents();
    assert.equal(connectEvent[8], `principal user ${HOSTILE}`);

    // The console: choose the connection from the list, send a frame.
    await row.getByRole('button').click();
    assert.equal(await page.locator('#console-connection').inputValue(), connectionId);
    await page.locator('#console-frame').fill('{"from":"the console"}');
    await page.getByRole('button', { name: 'Send' }).click();
    assert.equal(await client.next(WAIT_MS), '{"from":"the console"}');
    await page.locator('#console-result', { hasText: '200 Sent 22 bytes' }).waitFor();

    await client.close(4001, 'done here');
    await page.locator('#events tbody tr', { hasText: 'DISCONNECT' }).filter({ hasText: '4001 done here' }).waitFor();
    await page.locator('#connections tbody tr').waitFor({ state: 'detached' });

    // The console on a connection that is gone answers as @connections does.
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#console-result', { hasText: '410 GoneException' }).waitFor();

    assert.equal(await page.evaluate(() => (globalThis as { __injected?: number }).__injected), undefined);
    assert.equal(await page.locator('main img, main script').count(), 0, 'no markup from connection data');
  });

  it('is not on the public listener, nor under a host name that is not loopback, nor callable from another page', async () => {
    const { url, developerUrl, port } = await startGateway({
      routes: { $default: { handler: async () => ({ statusCode: 200 }) } },
    });
    assert.ok(developerUrl);
    for (const path of ['/developer', '/developer/api/state', '/developer/app.js']) {
      const publicAnswer = await rawRequest(`http://127.0.0.1:${port}${path}`, {});
      assert.equal(publicAnswer.status, 404, `public ${path}`);
    }
    const state = `${developerUrl}/api/state`;
    assert.equal((await rawRequest(state, {})).status, 200);
    // A DNS-rebinding name points a web page's own origin at the loopback port: refused.
    assert.equal((await rawRequest(state, { headers: { host: 'attacker.example:80' } })).status, 403);
    const client = await connect(url);
    const { connections } = JSON.parse((await rawRequest(state, {})).body) as {
      connections: { connectionId: string }[];
    };
    const target = `${developerUrl}/api/connections/${encodeURIComponent(connections[0]?.connectionId ?? '')}`;
    const crossSite: { headers: Record<string, string> }[] = [
      { headers: {} },
      { headers: { 'x-switchboard-developer': '1', origin: 'http://attacker.example' } },
    ];
    for (const { headers } of crossSite) {
      const answer = await rawRequest(target, { method: 'POST', headers, body: 'injected' });
      assert.equal(answer.status, 403, JSON.stringify(headers));
    }
    assert.ok(await client.silentFor(200), 'nothing was sent');
    const own = await rawRequest(target, { method: 'POST', headers: { 'x-switchboard-developer': '1' }, body: 'ok' });
    assert.equal(own.status, 200, own.body);
    assert.equal(await client.next(WAIT_MS), 'ok');
    await client.close();
  });

  it('is off when the management plane requires signatures', async () => {
    const gateway = await createGateway(
      {
        routes: { $default: { handler: async () => ({ statusCode: 200 }) } },
        management: { access: 'signed', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
      },
      { port: 0, logger: false },
    );
    after(() => gateway.close());
    const { developerUrl, managementPort } = await gateway.listen();
    assert.equal(developerUrl, undefined);
    assert.equal((await rawRequest(`http://127.0.0.1:${managementPort}/developer`, {})).status, 404);
  });
});
