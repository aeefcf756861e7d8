/**
 * The management plane trusts loopback callers, but a browser on the same machine
 * runs any site's scripts: a page may post a cross-site form or `fetch` with
 * `mode: 'no-cors'` (no preflight), or reach the port under a DNS-rebound name.
 * Such requests carry `Origin` or `Sec-Fetch-Site`, and are refused; SDK calls
 * from the same machine are not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '@switchboard/web/testing/browser';
import type { Browser } from 'playwright-core';
import { connect, startGateway, type TestClient } from '../support/gateway-harness.ts';

describe('the management plane and browsers on the same machine', { timeout: 120_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  /** A gateway whose public listener serves a page, and a client that learnt its connection id. */
  async function setUp(): Promise<{ pageUrl: string; connectionsUrl: string; client: TestClient }> {
    const running = await startGateway(
      {
        routes: {
          whoami: { handler: async (event) => ({ body: event.requestContext.connectionId }), routeResponse: true },
        },
      },
      {
        requestHandler: (_request, response) =>
          response.writeHead(200, { 'content-type': 'text/html' }).end('<p>a site</p>'),
      },
    );
    const client = await connect(running.url);
    client.send(JSON.stringify({ action: 'whoami' }));
    const connectionId = await client.next();
    return {
      pageUrl: `http://127.0.0.1:${running.port}/`,
      connectionsUrl: `http://127.0.0.1:${running.managementPort}/dev/@connections/${encodeURIComponent(connectionId)}`,
      client,
    };
  }

  it('a page cannot post frames to a connection or close it, whatever the CORS mode', async () => {
    const { pageUrl, connectionsUrl, client } = await setUp();
    const page = await browser.newPage();
    await page.goto(pageUrl);
    // A string, not a function: the test's compiler would add helpers the page does not have.
    const outcomes = await page.evaluate(`(async (url) => {
      const outcome = (call) => call.then((response) => 'answered ' + response.type, (error) => 'failed: ' + error.message);
      return [
        // no-cors: sent without asking, the answer opaque to the page.
        await outcome(fetch(url, { method: 'POST', mode: 'no-cors', body: 'injected' })),
        // cors: a text/plain POST is sent without a preflight too; only its answer is hidden.
        await outcome(fetch(url, { method: 'POST', body: 'injected' })),
        // DELETE needs a preflight, which is never answered with CORS headers.
        await outcome(fetch(url, { method: 'DELETE' })),
      ];
    })(${JSON.stringify(connectionsUrl)})`);
    // The no-cors POST reaches the gateway (its answer is opaque); the others fail in the browser.
    assert.deepEqual(outcomes, ['answered opaque', 'failed: Failed to fetch', 'failed: Failed to fetch']);
    await page.close();

    // The same call from this process (an SDK or a handler) still works, and is the first frame.
    const response = await fetch(connectionsUrl, { method: 'POST', body: 'from the machine' });
    assert.equal(response.status, 200);
    assert.equal(await client.next(), 'from the machine');
  });

  it("answers a request marked as a browser's with 403 ForbiddenException, reads included", async () => {
    const { connectionsUrl } = await setUp();
    const browserHeaders: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of browserHeaders) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const response = await fetch(connectionsUrl, { method, headers, body: method === 'POST' ? 'x' : undefined });
        assert.equal(response.status, 403, `${method} with ${Object.keys(headers)[0]}`);
        assert.equal(response.headers.get('x-amzn-errortype'), 'ForbiddenException');
        assert.match(((await response.json()) as { message: string }).message, /do not answer browsers/);
      }
    }
    assert.equal((await fetch(connectionsUrl)).status, 200);
  });
});
