/**
 * A TCP relay on loopback that cuts every connection through it after a random
 * lifetime, as a flaky mobile network does (scenario 9, after AnyCable's
 * method: a cut every ~2 s per client). A cut resets both sides at once
 * (`resetAndDestroy`: an RST, no close handshake), so neither the client nor the
 * server learns of it before its next read or write fails.
 *
 *   client ──▶ relay ──▶ server     (each relayed pair lives U(min, max) ms)
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';

export interface FlakyRelayOptions {
  target: { host: string; port: number };
  /** Shortest lifetime of a relayed connection. @default 1000 */
  minLifetimeMs?: number;
  /** Longest lifetime (lifetimes are uniform in between: a mean of 2 s by default). @default 3000 */
  maxLifetimeMs?: number;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  timer: NodeJS.Timeout | undefined;
}

export class FlakyRelay {
  readonly #server: Server;
  readonly #options: Required<FlakyRelayOptions>;
  readonly #pairs = new Set<Pair>();
  #cutting = false;
  /** Connections cut so far. */
  cuts = 0;

  private constructor(server: Server, options: Required<FlakyRelayOptions>) {
    this.#server = server;
    this.#options = options;
    server.on('connection', (client) => this.#relay(client));
  }

  static async start(options: FlakyRelayOptions): Promise<FlakyRelay> {
    const server = createServer({ noDelay: true });
    const relay = new FlakyRelay(server, { minLifetimeMs: 1000, maxLifetimeMs: 3000, ...options });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return relay;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** Starts cutting: every connection, open now or later, is cut when its random lifetime ends. */
  startCutting(): void {
    this.#cutting = true;
    for (const pair of this.#pairs) this.#schedule(pair);
  }

  /** Stops cutting: connections open now and later live until an end closes them. */
  calm(): void {
    this.#cutting = false;
    for (const pair of this.#pairs) clearTimeout(pair.timer);
  }

  async close(): Promise<void> {
    this.calm();
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #relay(client: Socket): void {
    const upstream = netConnect({ ...this.#options.target, noDelay: true });
    const pair: Pair = { client, upstream, timer: undefined };
    this.#pairs.add(pair);
    if (this.#cutting) this.#schedule(pair);
    const end = (): void => {
      clearTimeout(pair.timer);
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.pipe(upstream);
    upstream.pipe(client);
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  #schedule(pair: Pair): void {
    const { minLifetimeMs, maxLifetimeMs } = this.#options;
    pair.timer = setTimeout(() => this.#cut(pair), minLifetimeMs + Math.random() * (maxLifetimeMs - minLifetimeMs));
  }

  #cut(pair: Pair): void {
    if (pair.client.destroyed) return;
    this.cuts++;
    // An upstream still connecting cannot be reset; destroying it closes it the same way.
    if (pair.upstream.readyState === 'open') pair.upstream.resetAndDestroy();
    else pair.upstream.destroy();
    pair.client.resetAndDestroy();
  }
}
