/**
 * The management plane is not on the public path. Every spelling of
 * `@connections`, `@channels` and `/metrics` (`%40`, double encoding, any case,
 * no stage, double slashes, dot segments, absolute-form targets) is sent to the
 * public listener directly, through a naive Node proxy that forwards targets byte
 * for byte, and through a real nginx on the same host (so every request arrives
 * from loopback). None reaches the management code: no management request is
 * counted, the client gets no injected frame and stays connected, the app's own
 * handler never sees them, and no metrics text comes back. The management
 * listener itself answers the same calls (the control that makes this meaningful).
 */
import assert from 'node:assert/strict';
import { type IncomingHttpHeaders, request } from 'node:http';
import { describe, it } from 'node:test';
import { connectWithId, whoami } from '../support/channels-harness.ts';
import { connect, metricSamples, startGateway, withTimeout } from '../support/gateway-harness.ts';
import { type RunningProxy, startNginx, startNodeProxy } from '../support/proxies.ts';

interface Probe {
  method: string;
  target: string;
}

/** Every spelling of every management operation, for a connection id and a channel. */
function spellings(id: string): Probe[] {
  const encodedId = encodeURIComponent(id);
  const connections = [
    `/dev/@connections/${encodedId}`,
    `/@connections/${encodedId}`,
    `/dev/%40connections/${encodedId}`,
    `/dev/%2540connections/${encodedId}`,
    `/dev/@Connections/${encodedId}`,
    `/DEV/@CONNECTIONS/${encodedId}`,
    `/ws/@connections/${encodedId}`,
    `//dev//@connections/${encodedId}`,
    `/dev/./@connections/${encodedId}`,
    `/x/../dev/@connections/${encodedId}`,
    `/dev/%2e/@connections/${encodedId}`,
    `/dev/%2E%2E/dev/%40CONNECTIONS/${encodedId}`,
    `/dev/@connections/${encodedId}/`,
    `/dev/@connections/${encodedId}?x=1`,
    `/dev/@connections;x/${encodedId}`,
    `/dev\\@connections\\${encodedId}`,
    `http://127.0.0.1/dev/@connections/${encodedId}`,
  ];
  const channels = [
    '/dev/@channels/room',
    '/@channels/room',
    '/dev/%40channels/room',
    '/dev/@CHANNELS/room',
    '//dev/./@Channels/room',
    '/x/../@channels/room',
  ];
  const metrics = [
    '/metrics',
    '/METRICS',
    '//metrics',
    '/./metrics',
    '/x/../metrics',
    '/%6detrics',
    '/metrics/',
    '/metrics?x=1',
    'http://127.0.0.1/metrics',
  ];
  return [
    ...connections.flatMap((target) => ['POST', 'GET', 'DELETE'].map((method) => ({ method, target }))),
    ...channels.flatMap((target) => ['POST', 'GET'].map((method) => ({ method, target }))),
    ...channels.map((target) => ({ method: 'PUT', target: `${target}/members/${encodedId}` })),
    ...metrics.map((target) => ({ method: 'GET', target })),
  ];
}

/** Sends a request with its target exactly as given (no URL parsing or normalisation). */
function send(
  port: number,
  { method, target }: Probe,
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, method, path: target }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
      });
      outgoing.on('error', reject);
      outgoing.end(method === 'POST' ? 'injected' : undefined);
    }),
    5000,
    `${method} ${target} got no answer`,
  );
}

async function assertNothingReached(
  via: string,
  port: number,
  scene: Awaited<ReturnType<typeof startScene>>,
): Promise<void> {
  for (const probe of spellings(scene.victim.id)) {
    const { status, body } = await send(port, probe);
    const what = `${probe.method} ${probe.target} via ${via}`;
    assert.ok(status >= 400, `${what} answered ${status}`);
    assert.doesNotMatch(body, /switchboard_|connectedAt|recipients/, what);
  }
  const samples = await metricSamples(scene.running.gateway.metrics);
  const managed = [...samples.keys()].filter((name) => name.startsWith('switchboard_management_requests_total'));
  assert.deepEqual(managed, [], `management requests counted via ${via}`);
  assert.ok(await scene.victim.client.silentFor(50), `a frame reached the victim via ${via}`);
  assert.equal(scene.running.gateway.connectionCount, 1);
  assert.deepEqual(scene.appSaw, [], `the app's handler saw management paths via ${via}`);
}

async function startScene() {
  const appSaw: string[] = [];
  const running = await startGateway(
    { routes: { $default: whoami } },
    {
      requestHandler: (request, response) => {
        appSaw.push(`${request.method} ${request.url}`);
        response.writeHead(404).end();
      },
    },
  );
  const victim = await connectWithId(running.url);
  // The victim is in a room, so a publish that got through would reach it.
  await running.gateway.channels.subscribe(victim.id, 'room');
  return { running, victim, appSaw };
}

describe('the management plane is not on the public path', () => {
  it('the public listener refuses every spelling, and the management listener serves them', async () => {
    const scene = await startScene();
    await assertNothingReached('the public listener', scene.running.port, scene);
    // Control: the same calls on the management listener do reach the client.
    const posted = await send(scene.running.managementPort, {
      method: 'POST',
      target: `/dev/@connections/${encodeURIComponent(scene.victim.id)}`,
    });
    assert.equal(posted.status, 200);
    assert.equal(await scene.victim.client.next(), 'injected');
    const metrics = await send(scene.running.managementPort, { method: 'GET', target: '/metrics' });
    assert.match(metrics.body, /switchboard_connections 1/);
  });

  it('a refusal tells an SDK caller what is wrong, as a ForbiddenException', async () => {
    const scene = await startScene();
    const { status, body, headers } = await send(scene.running.port, { method: 'GET', target: '/metrics' });
    assert.equal(status, 403);
    assert.match(JSON.parse(body).message, /management listener/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
  });

  for (const [name, start] of [
    ['nginx', startNginx],
    ['a Node proxy that forwards targets unchanged', startNodeProxy],
  ] as const) {
    it(`through ${name} on the same host, no spelling reaches the management plane`, async () => {
      const scene = await startScene();
      const proxy: RunningProxy = await start(scene.running.port);
      // The proxy is real: WebSocket clients get through it.
      const through = await connect(`${proxy.url.replace(/^http/, 'ws')}/dev`);
      through.send('{"action":"whoami"}');
      assert.match(await through.next(), /^[A-Za-z0-9_-]{15}=$/);
      await through.close();
      await assertNothingReached(name, proxy.port, scene);
    });
  }
});
