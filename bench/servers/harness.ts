/**
 * The server side of every benchmark: one loop, many servers. A server entry
 * file adapts its library to `BenchServer` and calls `serveBenchmark`; the
 * publish loops, the credit window and the memory probe are the same for all,
 * so the numbers differ only by what the library does per publish.
 */
import { stampedPayload } from '../load/payload.ts';
import type { ClientTarget } from '../load/ws-client.ts';
import type { ServerCommand, ServerOptions, ServerReply } from './protocol.ts';

export interface BenchServer {
  /** Listens on 127.0.0.1, port 0; says how clients connect and subscribe. */
  listen(): Promise<{ target: ClientTarget; managementUrl?: string }>;
  /** Sends `payload` to every subscriber of the bench channel. */
  publish(payload: string): void;
  subscribers(): number | Promise<number>;
  /** Connection ids as an API Gateway app would keep them (scenario 5). */
  connectionIds?(): string[];
  close(): Promise<void>;
}

export function serverOptions(): ServerOptions {
  return { auth: false, keepConnectionIds: false, ...JSON.parse(process.env.BENCH_SERVER_OPTIONS ?? '{}') };
}

/** Runs the IPC loop for one server until the runner says stop (or goes away). */
export async function serveBenchmark(create: (options: ServerOptions) => Promise<BenchServer | string>): Promise<void> {
  const created = await create(serverOptions());
  if (typeof created === 'string') {
    send({ type: 'unavailable', reason: created });
    process.disconnect?.();
    return;
  }
  const server = created;
  const publisher = new Publisher(server);
  process.on('message', (command: ServerCommand) => {
    if (command.type === 'credit') {
      publisher.credit = command.received;
      return;
    }
    void handle(server, publisher, command).catch((error: unknown) =>
      send({ type: 'error', id: command.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
  send({ type: 'ready', ...(await server.listen()) });
}

async function handle(server: BenchServer, publisher: Publisher, command: ServerCommand): Promise<void> {
  switch (command.type) {
    case 'saturate':
      send({ type: 'done', id: command.id, published: await publisher.saturate(command) });
      return;
    case 'rate':
      send({ type: 'done', id: command.id, published: await publisher.atRate(command) });
      return;
    case 'publish-once':
      server.publish(stampedPayload());
      send({ type: 'done', id: command.id, published: 1 });
      return;
    case 'memory': {
      // Two passes: the first frees what finalizers release for the second.
      globalThis.gc?.();
      globalThis.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'memory', id: command.id, rss, heapUsed, subscribers: await server.subscribers() });
      return;
    }
    case 'connection-ids':
      send({ type: 'connection-ids', id: command.id, ids: server.connectionIds?.() ?? [] });
      return;
    case 'stop':
      await server.close();
      send({ type: 'done', id: command.id, published: 0 });
      process.exit(0);
      return;
    case 'credit':
      return;
  }
}

class Publisher {
  readonly #server: BenchServer;
  /** Deliveries the load processes have reported so far. */
  credit = 0;

  constructor(server: BenchServer) {
    this.#server = server;
  }

  /**
   * Publishes `burst` messages per event-loop turn while fewer than
   * `maxOutstanding` deliveries are unconfirmed. The window keeps every server
   * at its own limit without letting a faster server bury the receivers (which
   * would measure the receivers and grow the heap instead).
   */
  async saturate({ durationMs, burst, maxOutstanding }: { durationMs: number; burst: number; maxOutstanding: number }) {
    const server = this.#server;
    const subscribers = await server.subscribers();
    const until = performance.now() + durationMs;
    this.credit = 0;
    let published = 0;
    return new Promise<number>((resolve) => {
      const turn = (): void => {
        if (performance.now() >= until) {
          resolve(published);
          return;
        }
        let sent = 0;
        while (sent < burst && published * subscribers - this.credit < maxOutstanding) {
          server.publish(stampedPayload());
          published++;
          sent++;
        }
        // Waiting for credit must not spin: it would show as server CPU.
        if (sent === 0) setTimeout(turn, 1);
        else setImmediate(turn);
      };
      turn();
    });
  }

  /** Publishes at a fixed rate from a 1 ms timer, catching up on late ticks. */
  atRate({ messagesPerSecond, durationMs }: { messagesPerSecond: number; durationMs: number }) {
    const server = this.#server;
    const started = performance.now();
    let published = 0;
    return new Promise<number>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        const due = Math.floor((Math.min(elapsed, durationMs) * messagesPerSecond) / 1000);
        while (published < due) {
          server.publish(stampedPayload());
          published++;
        }
        if (elapsed >= durationMs) {
          clearInterval(timer);
          resolve(published);
        }
      }, 1);
    });
  }
}

function send(reply: ServerReply): void {
  process.send?.(reply);
}
