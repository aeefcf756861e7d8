/**
 * Idle timeout and maximum connection duration (spec 4: 10 minutes, 2 hours) for
 * all connections from one interval timer: per-connection timers would cost
 * memory and timer-heap work for every idle socket (PERFORMANCE: cheap idle
 * connections).
 */
import type { CloseCause, Connection } from '../connection.ts';

export const IDLE_TIMEOUT_CLOSE: CloseCause = { code: 1001, reason: 'Going away: idle timeout' };
export const MAX_DURATION_CLOSE: CloseCause = { code: 1001, reason: 'Going away: maximum connection duration' };

export interface SweeperOptions {
  idleTimeoutMs: number;
  maxDurationMs: number;
}

export function startConnectionSweeper(
  connections: ReadonlyMap<string, Connection>,
  { idleTimeoutMs, maxDurationMs }: SweeperOptions,
): () => void {
  // A tenth of the shortest limit keeps the overshoot under 10%, within [10 ms, 1 s].
  const intervalMs = Math.min(1000, Math.max(10, Math.floor(Math.min(idleTimeoutMs, maxDurationMs) / 10)));
  const timer = setInterval(() => {
    const now = Date.now();
    for (const connection of connections.values()) {
      if (now - connection.facts.connectedAt >= maxDurationMs) connection.closeBy(MAX_DURATION_CLOSE);
      else if (now - connection.lastActiveAt >= idleTimeoutMs) connection.closeBy(IDLE_TIMEOUT_CLOSE);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
