/** Socket.IO 4 with the websocket transport only: every client joins one room; publish is `io.to(room).emit`. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { serveBenchmark } from './harness.ts';
import { BENCH_CHANNEL, BENCH_TOKEN } from './protocol.ts';

await serveBenchmark(async ({ auth }) => {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  if (auth) {
    io.use((socket, next) =>
      socket.handshake.headers.authorization === `Bearer ${BENCH_TOKEN}` ? next() : next(new Error('Unauthorized')),
    );
  }
  io.on('connection', (socket) => void socket.join(BENCH_CHANNEL));
  return {
    listen() {
      return new Promise((resolve) =>
        http.listen(0, '127.0.0.1', () => {
          const { port } = http.address() as AddressInfo;
          resolve({
            target: { host: '127.0.0.1', port, path: '/socket.io/?EIO=4&transport=websocket', dialect: 'socket.io' },
          });
        }),
      );
    },
    publish(payload) {
      io.to(BENCH_CHANNEL).emit('m', payload);
    },
    subscribers: () => io.sockets.adapter.rooms.get(BENCH_CHANNEL)?.size ?? 0,
    async close() {
      io.disconnectSockets(true);
      await new Promise((resolve) => io.close(resolve));
    },
  };
});
