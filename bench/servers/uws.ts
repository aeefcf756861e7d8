/**
 * uWebSockets.js, the native ceiling: `app.publish` to a topic every client
 * subscribed to on open. The npm build used loads natively on Node 16-20 only.
 */
import { createRequire } from 'node:module';
import { serveBenchmark } from './harness.ts';
import { BENCH_CHANNEL, BENCH_TOKEN } from './protocol.ts';

type Uws = typeof import('@trufflesuite/uws-js-unofficial');

await serveBenchmark(async ({ auth }) => {
  const uws = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as Uws;
  const app = uws.App();
  let subscribers = 0;
  app.ws('/*', {
    compression: uws.DISABLED,
    maxPayloadLength: 64 * 1024,
    // Two seconds of backpressure per socket before uWS skips it; the credit window keeps far below.
    maxBackpressure: 4 * 1024 * 1024,
    idleTimeout: 0,
    upgrade: (response, request, context) => {
      if (auth && request.getHeader('authorization') !== `Bearer ${BENCH_TOKEN}`) {
        response.writeStatus('401 Unauthorized').end();
        return;
      }
      response.upgrade(
        {},
        request.getHeader('sec-websocket-key'),
        request.getHeader('sec-websocket-protocol'),
        request.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (socket) => {
      socket.subscribe(BENCH_CHANNEL);
      subscribers++;
    },
    close: () => {
      subscribers--;
    },
  });
  let listenSocket: unknown;
  return {
    listen() {
      return new Promise((resolve, reject) => {
        app.listen('127.0.0.1', 0, (token) => {
          if (!token) {
            reject(new Error('uWebSockets.js could not listen'));
            return;
          }
          listenSocket = token;
          resolve({
            target: { host: '127.0.0.1', port: uws.us_socket_local_port(token), path: '/', dialect: 'websocket' },
          });
        });
      });
    },
    publish(payload) {
      app.publish(BENCH_CHANNEL, payload, false);
    },
    subscribers: () => subscribers,
    async close() {
      if (listenSocket) uws.us_listen_socket_close(listenSocket as Parameters<Uws['us_listen_socket_close']>[0]);
    },
  };
});
