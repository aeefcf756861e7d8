/**
 * The runner's handle on the load processes: spreads connections over them and
 * over source addresses, merges their counts and histograms.
 *
 * One source address gives ~28k ephemeral ports (32768-60999), and ports stay in
 * TIME_WAIT for a minute after a close, so connections rotate over 127.0.0.2 to
 * 127.0.0.41 (all of 127/8 reaches loopback on Linux) across the whole run.
 */
import { fileURLToPath } from 'node:url';
import { IpcChild } from '../support/ipc-child.ts';
import { LOAD_CORE, startPinned } from '../support/pinned-process.ts';
import { Histogram } from './histogram.ts';
import type { LoadCommand, LoadReply, LoadStats } from './protocol.ts';
import type { ClientTarget } from './ws-client.ts';

/** Connections per load process: below the open-file limit of 20,000 with room for the process's own files. */
export const MAX_CONNECTIONS_PER_PROCESS = 15_000;
export const SOURCE_ADDRESSES = Array.from({ length: 40 }, (_, index) => `127.0.0.${index + 2}`);
const WORKER_ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));

let addressCursor = Math.floor(Math.random() * SOURCE_ADDRESSES.length);

export interface ConnectResult {
  opened: number;
  failed: number;
  firstError: string | undefined;
  /** Wall time until the slowest process finished. */
  elapsedMs: number;
}

export interface MergedStats {
  received: number;
  open: number;
  dropped: number;
  histogram: Histogram;
}

export class LoadGenerator {
  readonly #workers: LoadWorker[];

  private constructor(workers: LoadWorker[]) {
    this.#workers = workers;
  }

  /** Starts enough load processes for `connections` (at least one). */
  static async start(connections: number): Promise<LoadGenerator> {
    const count = Math.max(1, Math.ceil(connections / MAX_CONNECTIONS_PER_PROCESS));
    return new LoadGenerator(Array.from({ length: count }, () => new LoadWorker()));
  }

  /** The load processes' pids (for their CPU share). */
  get pids(): number[] {
    return this.#workers.map((worker) => worker.pid);
  }

  /** Opens `count` connections, split evenly over the processes, `concurrency` handshakes in flight per process. */
  async connect(target: ClientTarget, count: number, concurrency = 64): Promise<ConnectResult> {
    const shares = split(count, this.#workers.length);
    const replies = await Promise.all(
      this.#workers.map((worker, index) => {
        const addresses = [...SOURCE_ADDRESSES.slice(addressCursor), ...SOURCE_ADDRESSES.slice(0, addressCursor)];
        addressCursor = (addressCursor + 7 + index) % SOURCE_ADDRESSES.length;
        return worker.request({ type: 'connect', target, count: shares[index]!, addresses, concurrency });
      }),
    );
    const result: ConnectResult = { opened: 0, failed: 0, firstError: undefined, elapsedMs: 0 };
    for (const reply of replies) {
      if (reply.type !== 'connected') continue;
      result.opened += reply.opened;
      result.failed += reply.failed;
      result.firstError ??= reply.firstError;
      result.elapsedMs = Math.max(result.elapsedMs, reply.elapsedMs);
    }
    return result;
  }

  /** Zeroes the counters and histograms; records latency from now on when asked. */
  async record(latency: boolean): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.request({ type: 'record', latency })));
  }

  async stats(): Promise<MergedStats> {
    const merged: MergedStats = { received: 0, open: 0, dropped: 0, histogram: new Histogram() };
    const replies = await Promise.all(this.#workers.map((worker) => worker.request({ type: 'stats' })));
    for (const reply of replies) {
      if (reply.type !== 'stats') continue;
      const stats: LoadStats = reply.stats;
      merged.received += stats.received;
      merged.open += stats.open;
      merged.dropped += stats.dropped;
      merged.histogram.add(stats.histogram.counts, stats.histogram.max);
    }
    return merged;
  }

  /** Messages received since the last `record`, as last reported by the processes' progress ticks. */
  get reportedReceived(): number {
    let total = 0;
    for (const worker of this.#workers) total += worker.reportedReceived;
    return total;
  }

  /** Has every process report its received count every `intervalMs` (0 stops it). */
  async progress(intervalMs: number, onProgress?: (received: number) => void): Promise<void> {
    for (const worker of this.#workers)
      worker.onProgress = onProgress ? () => onProgress(this.reportedReceived) : undefined;
    await Promise.all(this.#workers.map((worker) => worker.request({ type: 'progress', intervalMs })));
  }

  /** Waits until `expected` messages were received in total, or `timeoutMs` passed; returns the count. */
  async waitForReceived(expected: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { received } = await this.stats();
      if (received >= expected || performance.now() >= deadline) return received;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  async closeConnections(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.request({ type: 'close' })));
  }

  async stop(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.stop()));
  }
}

type Command = LoadCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

class LoadWorker {
  readonly #ipc: IpcChild<Command, LoadReply>;
  readonly pid: number;
  reportedReceived = 0;
  onProgress: (() => void) | undefined;

  constructor() {
    this.#ipc = new IpcChild('load process', startPinned(WORKER_ENTRY, { core: LOAD_CORE }));
    this.pid = this.#ipc.pid;
    this.#ipc.onUnsolicited = (reply) => {
      if (reply.type !== 'progress') return;
      this.reportedReceived = reply.received;
      this.onProgress?.();
    };
  }

  request(command: Command): Promise<LoadReply> {
    if (command.type === 'record') this.reportedReceived = 0;
    return this.#ipc.request(command as Command & { type: string });
  }

  stop(): Promise<void> {
    return this.#ipc.stop(5000);
  }
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0));
}
