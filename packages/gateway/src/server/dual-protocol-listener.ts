/**
 * One TCP port that speaks both plain HTTP/WebSocket and TLS (HTTPS/WSS), told
 * apart by the first byte of each connection (0x16 opens a TLS handshake).
 *
 * Why: handlers build their management endpoint as `https://${domainName}/${stage}`
 * (spec 9.4, pain point 1) while local clients connect with `ws://`. Serving both
 * on the port in `domainName` makes the unchanged AWS callback URL work locally.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';

const TLS_HANDSHAKE_RECORD = 0x16;

export interface DualProtocolListener {
  server: Server;
  /**
   * Destroys every socket still open (idle keep-alive HTTP clients). The HTTP
   * servers never listen themselves, so their own connection tracking is unused.
   */
  destroyAllSockets(): void;
}

export function createDualProtocolListener(plain: HttpServer, secure: HttpsServer | undefined): DualProtocolListener {
  const sockets = new Set<Socket>();
  // One listener for all sockets of this server, not a closure per socket.
  const forget = function (this: Socket): void {
    sockets.delete(this);
  };
  const server = createServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', forget);
    if (!secure) {
      plain.emit('connection', socket);
      return;
    }
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      (chunk[0] === TLS_HANDSHAKE_RECORD ? secure : plain).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  return {
    server,
    destroyAllSockets() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
