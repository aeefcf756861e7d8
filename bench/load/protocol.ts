/** Messages between the runner and a load process (over the `fork` IPC channel). */
import type { ClientTarget } from './ws-client.ts';

export type LoadCommand =
  | { type: 'connect'; id: number; target: ClientTarget; count: number; addresses: string[]; concurrency: number }
  | { type: 'record'; id: number; latency: boolean }
  | { type: 'stats'; id: number }
  | { type: 'progress'; id: number; intervalMs: number }
  | { type: 'close'; id: number };

export interface LoadStats {
  received: number;
  open: number;
  /** Connections that closed while the run expected them open. */
  dropped: number;
  histogram: { counts: number[]; max: number };
}

export type LoadReply =
  | { type: 'connected'; id: number; opened: number; failed: number; firstError: string | undefined; elapsedMs: number }
  | { type: 'stats'; id: number; stats: LoadStats }
  | { type: 'ok'; id: number }
  | { type: 'progress'; received: number };
