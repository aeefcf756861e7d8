/**
 * Clients that go slow (slowloris) or send what is not a valid request head: each
 * is answered as HTTP says (408, 431, 400) or just closed, counted in
 * `switchboard_client_errors_total`, and holds its socket no longer than the
 * deadlines in `limits`; alike with TLS on the port (the first byte tells the
 * protocols apart) and without (the HTTP server reads every socket from its accept).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayDefinition } from '../../src/definition.ts';
import type { TlsOption } from '../../src/server/listener.ts';
import { connect, type RunningGateway, sleep, startGateway, withTimeout } from '../support/gateway-harness.ts';
import { metricValue, openSocket, untilClosed, untilMetric, untilReceived } from '../support/raw-sockets.ts';

const errors = (kind: string): string => `switchboard_client_errors_total{kind="${kind}"}`;

/** An echo gateway with short deadlines: by default 0.2 s for the first byte, 0.3 s for a request head. */
function startEcho(tls: TlsOption, limits: GatewayDefinition['limits'] = {}): Promise<RunningGateway> {
  return startGateway(
    {
      routes: { $default: { handler: async (event: { body: string }) => ({ body: event.body }), routeResponse: true } },
      limits: { firstByteTimeoutSeconds: 0.2, requestHeadersTimeoutSeconds: 0.3, ...limits },
    },
    { tls },
  );
}

for (const { listener, tls } of [
  { listener: 'TLS and plain on one port', tls: 'auto' as const },
  { listener: 'plain only', tls: false as const },
]) {
  describe(`hostile clients: slow and malformed requests (${listener})`, () => {
    it('a connection that never sends a byte is closed and counted', async () => {
      const running = await startEcho(tls);
      const counted = await metricValue(running.gateway, errors('first_byte_timeout'));
      const socket = await openSocket(running.port);
      assert.equal(await untilClosed(socket), '');
      assert.equal(await metricValue(running.gateway, errors('first_byte_timeout')), counted + 1);
    });

    it('a request head sent a byte at a time (slowloris) gets 408 and is closed', async () => {
      const running = await startEcho(tls);
      const counted = await metricValue(running.gateway, errors('request_timeout'));
      const socket = await openSocket(running.port);
      const closed = untilClosed(socket);
      const head =
        'GET /dev HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
      // Each byte comes well within any idle timeout; only a deadline on the whole head stops it.
      for (const byte of head) {
        if (socket.destroyed) break;
        socket.write(byte);
        await sleep(25);
      }
      assert.match(await closed, /^HTTP\/1\.1 408 /);
      assert.equal(await metricValue(running.gateway, errors('request_timeout')), counted + 1);
    });

    it('a silent connection is closed unanswered when both deadlines are alike', async () => {
      // Without TLS, Node's head deadline also runs from the accept: whichever fires, it is the first byte's.
      const running = await startEcho(tls, { firstByteTimeoutSeconds: 0.2, requestHeadersTimeoutSeconds: 0.2 });
      const socket = await openSocket(running.port);
      assert.equal(await untilClosed(socket), '');
      assert.equal(await metricValue(running.gateway, errors('first_byte_timeout')), 1);
      assert.equal(await metricValue(running.gateway, errors('request_timeout')), 0);
    });

    it('a silent connection outlives a shorter head deadline, until its first-byte deadline', async () => {
      const running = await startEcho(tls, { firstByteTimeoutSeconds: 0.6, requestHeadersTimeoutSeconds: 0.1 });
      const socket = await openSocket(running.port);
      const closed = untilClosed(socket);
      await sleep(300);
      assert.equal(socket.destroyed, false);
      assert.equal(await closed, '');
      assert.equal(await metricValue(running.gateway, errors('first_byte_timeout')), 1);
    });

    it('a reset before the first byte is counted', async () => {
      const running = await startEcho(tls);
      const socket = await openSocket(running.port);
      socket.resetAndDestroy();
      await untilMetric(running.gateway, errors('reset'), 1);
    });

    it('close() ends idle keep-alive HTTP clients', async () => {
      const running = await startEcho(tls);
      const socket = await openSocket(running.port);
      const closed = untilClosed(socket);
      socket.write('GET /dev HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      await untilReceived(socket, '\r\n\r\n');
      await withTimeout(running.gateway.close(), 3000, 'close() waited on an idle client');
      assert.match(await closed, /^HTTP\/1\.1 426 /);
    });

    if (tls !== false)
      it('a TLS handshake that stalls is closed and counted', async () => {
        const running = await startEcho(tls);
        const counted = await metricValue(running.gateway, errors('request_timeout'));
        const socket = await openSocket(running.port);
        const closed = untilClosed(socket);
        socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
        await closed;
        assert.equal(await metricValue(running.gateway, errors('request_timeout')), counted + 1);
      });

    it('a request head over 16 KB gets 431', async () => {
      const running = await startEcho(tls);
      const counted = await metricValue(running.gateway, errors('malformed_request'));
      const socket = await openSocket(running.port);
      const closed = untilClosed(socket);
      socket.write(`GET /dev HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      assert.match(await closed, /^HTTP\/1\.1 431 /);
      assert.equal(await metricValue(running.gateway, errors('malformed_request')), counted + 1);
    });

    it('bytes that are not HTTP get 400', async () => {
      const running = await startEcho(tls);
      const counted = await metricValue(running.gateway, errors('malformed_request'));
      const socket = await openSocket(running.port);
      const closed = untilClosed(socket);
      socket.write('HELLO THERE\r\n\r\n');
      assert.match(await closed, /^HTTP\/1\.1 400 /);
      assert.equal(await metricValue(running.gateway, errors('malformed_request')), counted + 1);
    });

    it('a WebSocket connection outlives the request deadlines', async () => {
      const running = await startEcho(tls);
      const client = await connect(running.url);
      await sleep(700);
      client.send('hello');
      assert.equal(await client.next(), 'hello');
    });
  });
}
