/** Messages between the runner and a server under test (over the IPC channel). */
import type { ClientTarget } from '../load/ws-client.ts';

/** Given to every server process in `BENCH_SERVER_OPTIONS` (JSON). */
export interface ServerOptions {
  /** Check a token on every handshake (Switchboard: a REQUEST authorizer). */
  auth: boolean;
  /** Keep every connection id from `$connect`, as an API Gateway app does in a table (scenario 5). */
  keepConnectionIds: boolean;
}

/** The token the authorizer variants accept, sent as `Authorization: Bearer <token>`. */
export const BENCH_TOKEN = 'bench-token';
/** The one channel (room, topic) every benchmark client subscribes to. */
export const BENCH_CHANNEL = 'bench';

export type ServerCommand =
  /** Publish in bursts as fast as the credit allows, for `durationMs`. */
  | { type: 'saturate'; id: number; durationMs: number; burst: number; maxOutstanding: number }
  /** The runner's running total of deliveries, which opens the credit window. */
  | { type: 'credit'; received: number }
  /** Publish `messagesPerSecond` messages, evenly over `durationMs`. */
  | { type: 'rate'; id: number; messagesPerSecond: number; durationMs: number }
  | { type: 'publish-once'; id: number }
  | { type: 'memory'; id: number }
  | { type: 'connection-ids'; id: number }
  | { type: 'stop'; id: number };

export type ServerReply =
  | { type: 'ready'; target: ClientTarget; managementUrl?: string }
  | { type: 'unavailable'; reason: string }
  | { type: 'done'; id: number; published: number }
  | { type: 'memory'; id: number; rss: number; heapUsed: number; subscribers: number }
  | { type: 'connection-ids'; id: number; ids: string[] }
  | { type: 'error'; id: number; message: string };
