/**
 * One load process: opens its share of the connections, counts what they
 * receive and records latencies when asked. It holds fewer than the per-process
 * open-file limit (20,000 here), so larger runs use several of these.
 */
import { Histogram } from './histogram.ts';
import type { LoadCommand, LoadReply } from './protocol.ts';
import { type ReceiveSink, WsClient } from './ws-client.ts';

/** A handshake that has not completed by then counts as failed, so a run never waits forever. */
const HANDSHAKE_TIMEOUT_MS = 15_000;

const histogram = new Histogram();
const clients = new Set<WsClient>();
let closing = false;
const sink: ReceiveSink & { dropped: number } = {
  received: 0,
  dropped: 0,
  latency: undefined,
  onClose(client) {
    if (clients.delete(client) && !closing && client.isReady) sink.dropped++;
  },
};
let progressTimer: NodeJS.Timeout | undefined;

process.on('message', (command: LoadCommand) => {
  void handle(command).then((reply) => process.send?.(reply));
});
process.on('disconnect', () => process.exit(0));

async function handle(command: LoadCommand): Promise<LoadReply> {
  switch (command.type) {
    case 'connect':
      return connectAll(command);
    case 'record':
      sink.received = 0;
      sink.dropped = 0;
      histogram.reset();
      sink.latency = command.latency ? (micros) => histogram.record(micros) : undefined;
      return { type: 'ok', id: command.id };
    case 'stats':
      return {
        type: 'stats',
        id: command.id,
        stats: { received: sink.received, open: clients.size, dropped: sink.dropped, histogram: histogram.toJSON() },
      };
    case 'progress':
      clearInterval(progressTimer);
      if (command.intervalMs > 0)
        progressTimer = setInterval(
          () => process.send?.({ type: 'progress', received: sink.received }),
          command.intervalMs,
        );
      return { type: 'ok', id: command.id };
    case 'close':
      closing = true;
      for (const client of clients) client.close();
      clients.clear();
      closing = false;
      return { type: 'ok', id: command.id };
  }
}

async function connectAll(command: Extract<LoadCommand, { type: 'connect' }>): Promise<LoadReply> {
  const { target, count, addresses, concurrency } = command;
  const started = performance.now();
  let next = 0;
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const client = new WsClient(target, addresses[index % addresses.length]!, sink);
      clients.add(client);
      client.socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => client.close());
      try {
        await client.ready;
        client.socket.setTimeout(0);
        opened++;
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
        clients.delete(client);
        client.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { type: 'connected', id: command.id, opened, failed, firstError, elapsedMs: performance.now() - started };
}
