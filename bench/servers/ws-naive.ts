/**
 * Plain `ws` the way most Node apps broadcast: `send` per client, which builds
 * and writes a frame per recipient (PERFORMANCE.md: the 185k/s baseline).
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { serveBenchmark } from './harness.ts';
import { BENCH_TOKEN } from './protocol.ts';

await serveBenchmark(async ({ auth }) => {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    verifyClient: auth
      ? ({ req }: { req: IncomingMessage }) => req.headers.authorization === `Bearer ${BENCH_TOKEN}`
      : undefined,
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    async listen() {
      const { port } = server.address() as AddressInfo;
      return { target: { host: '127.0.0.1', port, path: '/', dialect: 'websocket' } };
    },
    publish(payload) {
      for (const client of server.clients) client.send(payload);
    },
    subscribers: () => server.clients.size,
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
});
