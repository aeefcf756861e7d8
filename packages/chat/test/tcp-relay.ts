/**
 * A real TCP relay for failure tests, put between a client and a server. Two
 * kinds of failure:
 *
 * - `cut`: every relayed connection is dropped and the port stops listening, as
 *   when the server's host refuses connections (start a new relay on the same
 *   port to bring it back);
 * - `blackhole`: nothing is closed but nothing gets through, as in a network
 *   partition that drops packets: bytes either way are discarded, closes are
 *   held back, and new connections are accepted and never answered. `heal` lets
 *   traffic through again and delivers the closes held back (a connection
 *   whose bytes were dropped is out of step with its peer, so it is closed too).
 *   `blackholeAfter` starts the same partition just after the client sends
 *   given bytes (a request that reaches the server whose answer is lost).
 *
 *   client ──▶ relay ──▶ server          blackhole: client ──▶ relay ✕   ✕ server
 */
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';

export interface Relay {
  port: number;
  /** Drops every relayed connection and stops listening. */
  cut(): Promise<void>;
  /** Drops every byte from now on, closes nothing, and leaves new connections unanswered. */
  blackhole(): void;
  /** `blackhole` from the moment a chunk from a client holding `marker` has been passed on to the server. */
  blackholeAfter(marker: string): void;
  /** Ends the blackhole: connections that lost bytes or were closed on one side are closed, the rest go on. */
  heal(): void;
}

interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes were dropped or a close was held back while the blackhole lasted. */
  broken: boolean;
}

/** A TCP relay to `target` on `listenPort` (0 picks one). */
export async function startRelay(target: { host: string; port: number }, listenPort = 0): Promise<Relay> {
  const pairs = new Set<Pair>();
  let dropping = false;
  let dropAfter: Buffer | undefined;
  const close = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };
  const server: Server = createServer((client) => {
    const pair: Pair = { client, upstream: undefined, broken: dropping };
    pairs.add(pair);
    if (!dropping) pair.upstream = netConnect(target.port, target.host);
    const sockets = [client, pair.upstream].filter((socket) => socket !== undefined);
    for (const socket of sockets) {
      const other = socket === client ? pair.upstream : client;
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        if (dropping || !other) pair.broken = true;
        else other.write(chunk);
        if (dropAfter && socket === client && chunk.includes(dropAfter)) {
          dropAfter = undefined;
          dropping = true;
        }
      });
      socket.on('close', () => {
        if (dropping) pair.broken = true;
        else close(pair);
      });
    }
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
        for (const pair of pairs) close(pair);
      });
      return cut;
    },
    blackhole() {
      dropping = true;
    },
    blackholeAfter(marker) {
      dropAfter = Buffer.from(marker);
    },
    heal() {
      dropping = false;
      dropAfter = undefined;
      for (const pair of pairs) if (pair.broken || pair.client.destroyed || pair.upstream?.destroyed) close(pair);
    },
  };
}

/** Where the PostgreSQL server of a database URL listens. */
export function databaseAddress(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

/** A relay in front of the database of `databaseUrl`, and the URL that reaches the database through it. */
export async function relayDatabase(databaseUrl: string): Promise<{ relay: Relay; url: string }> {
  const relay = await startRelay(databaseAddress(databaseUrl));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(relay.port);
  return { relay, url: url.href };
}
