/**
 * A real TCP relay for failure tests: put it between a client and a server, then
 * cut it (every relayed connection dropped) to make the server unreachable, and
 * start a new one on the same port to bring it back.
 */
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';

export interface Relay {
  port: number;
  /** Drops every relayed connection and stops listening. */
  cut(): Promise<void>;
}

/** A TCP relay to `target` on `listenPort` (0 picks one); cut it to make the target unreachable. */
export async function startRelay(target: { host: string; port: number }, listenPort = 0): Promise<Relay> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = netConnect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  let cut: Promise<void> | undefined;
  return {
    port: address.port,
    cut() {
      cut ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return cut;
    },
  };
}
