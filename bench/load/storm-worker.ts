/**
 * One client process of the reconnect storm (scenario 10): opens its share of
 * chat clients (`ChatBenchClient`, the web client's connection code), spread
 * over source addresses, and answers the runner's questions about them over IPC.
 * Exits when the runner goes.
 */
import { ChatBenchClient } from './chat-bench-client.ts';
import {
  addStormStatus,
  emptyStormStatus,
  type StormCommand,
  type StormReply,
  type StormStatus,
} from './storm-protocol.ts';

/** Welcomes awaited at once while opening: the chat's connect path is not swamped from one process. */
const OPEN_CONCURRENCY = 100;
const OPEN_TIMEOUT_MS = 120_000;

const clients: ChatBenchClient[] = [];

process.on('message', (command: StormCommand) => {
  void handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ type: 'failed', id: command.id, error: String(error) } satisfies StormReply),
  );
});
process.on('disconnect', () => {
  for (const client of clients) client.close();
  process.exit(0);
});

async function handle(command: StormCommand): Promise<StormReply> {
  if (command.type === 'open') {
    for (let start = 0; start < command.urls.length; start += OPEN_CONCURRENCY) {
      const batch = command.urls.slice(start, start + OPEN_CONCURRENCY).map((url, index) => {
        const localAddress = command.addresses[(start + index) % command.addresses.length]!;
        const client = new ChatBenchClient({
          url,
          roomName: command.roomName,
          capacity: command.capacity,
          localAddress,
        });
        clients.push(client);
        return client.start(OPEN_TIMEOUT_MS);
      });
      await Promise.all(batch);
    }
    return { type: 'opened', id: command.id };
  }
  return { type: 'status', id: command.id, status: statusOf(command.sent) };
}

function statusOf(sent: number): StormStatus {
  const total = emptyStormStatus();
  for (const client of clients) {
    const received = client.tally.receivedOf(sent);
    addStormStatus(total, {
      online: client.connection.state === 'online' ? 1 : 0,
      caughtUp: received === sent ? 1 : 0,
      lost: sent - received,
      duplicates: client.tally.duplicates,
      lastOnlineAt: client.onlineAt,
      lastNewAt: client.tally.lastNewAt,
      reconnects: client.recoveries.length,
      handshakeTimeouts: client.handshakeTimeouts,
      presenceFrames: client.presenceFrames,
    });
  }
  return total;
}
