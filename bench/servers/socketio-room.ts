/**
 * Socket.IO 4 as a one-room chat for the scenario that cuts connections (9):
 * a client emits `send` with a message index, the server broadcasts it to
 * everyone (`io.emit('message', index)`, the sender included) and acknowledges
 * it. With `BENCH_SOCKETIO_RECOVERY=1` the server keeps each session's missed
 * packets for two minutes (`connectionStateRecovery`) and replays them when the
 * client reconnects; without it a packet sent while a client is away is lost.
 * Answers `ready` with its port over IPC and exits when the runner goes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const recovery = process.env.BENCH_SOCKETIO_RECOVERY === '1';
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  ...(recovery && { connectionStateRecovery: { maxDisconnectionDuration: 120_000 } }),
});
io.on('connection', (socket) => {
  socket.on('send', (index: unknown, ack: unknown) => {
    io.emit('message', index);
    if (typeof ack === 'function') ack();
  });
});
http.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (http.address() as AddressInfo).port });
});
process.on('disconnect', () => {
  io.disconnectSockets(true);
  io.close(() => process.exit(0));
});
