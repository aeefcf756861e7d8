/**
 * One gateway node per core on one machine, with `node:cluster`: the primary
 * process forks `count` workers that share the listening port (the primary hands
 * connections out round-robin); each worker runs `startWorker`, typically a
 * gateway that is one node of a cluster over Redis, so the workers act as one API.
 *
 *   primary ─fork×count─▶ worker: startWorker({ id }) ─▶ "ready"
 *   a worker dies unexpectedly ─▶ forked again, at most RESTART_LIMIT times a minute
 *   SIGTERM / SIGINT ─▶ primary tells every worker to drain ─▶ worker: close(), exit 0
 *                       ─▶ primary exits once all have (after DRAIN_TIMEOUT_MS it kills them)
 *
 * The primary runs no gateway; it only supervises.
 */
import cluster, { type Worker } from 'node:cluster';

/** What a worker knows about itself. */
export interface WorkerInfo {
  /** 1 to `count`; a restarted worker keeps the id of the one it replaces. */
  id: number;
}

/** What a started worker gives back: how to drain it. */
export interface WorkerHandle {
  close(): Promise<void>;
}

/** Restarts of crashed workers allowed within one minute, over all workers; past it the primary gives up. */
const RESTART_LIMIT = 5;
const RESTART_WINDOW_MS = 60_000;
/** How long the primary waits for draining workers before it kills them. */
const DRAIN_TIMEOUT_MS = 30_000;
const WORKER_ID_VARIABLE = 'SWITCHBOARD_WORKER_ID';

type WorkerMessage = { type: 'sb:ready' } | { type: 'sb:failed'; message: string } | { type: 'sb:drain' };

/**
 * Runs `count` workers. In the primary it resolves once every worker is serving,
 * and rejects (after stopping the others) if one fails to start; it then keeps
 * supervising and exits the process when a signal has drained the workers. In a
 * worker it resolves once `startWorker` has; the worker drains on the primary's
 * word or on its own SIGTERM/SIGINT and then exits.
 *
 * @example
 * ```ts
 * await runWorkers(2, async ({ id }) => {
 *   const gateway = await createGateway(definition, { port: 3001, cluster: { redisUrl, nodeId: `node-${id}` } });
 *   await gateway.listen();
 *   return gateway;
 * });
 * ```
 */
export function runWorkers(count: number, startWorker: (worker: WorkerInfo) => Promise<WorkerHandle>): Promise<void> {
  if (!Number.isInteger(count) || count < 1)
    throw new TypeError(`runWorkers: count must be a positive integer, got ${count}`);
  return cluster.isPrimary ? supervise(count) : serveAsWorker(startWorker);
}

function supervise(count: number): Promise<void> {
  const slots = new Map<Worker, number>();
  const restarts: number[] = [];
  let readyCount = 0;
  let draining = false;
  let failure: Error | undefined;

  return new Promise((resolve, reject) => {
    const drain = (exitCode: number): void => {
      if (draining) return;
      draining = true;
      process.exitCode = exitCode;
      for (const worker of slots.keys()) tell(worker, { type: 'sb:drain' });
      setTimeout(() => {
        for (const worker of slots.keys()) worker.process.kill('SIGKILL');
      }, DRAIN_TIMEOUT_MS).unref();
      if (slots.size === 0) finish();
    };
    const finish = (): void => {
      if (failure !== undefined && readyCount < count) {
        // Still starting: the caller reports the failure.
        reject(failure);
        return;
      }
      process.exit();
    };
    const fork = (id: number): void => {
      const worker = cluster.fork({ [WORKER_ID_VARIABLE]: String(id) });
      slots.set(worker, id);
      let started = false;
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'sb:ready' && !started) {
          started = true;
          if (++readyCount === count) resolve();
        } else if (message.type === 'sb:failed') {
          failure ??= new Error(message.message);
        }
      });
      worker.on('exit', (code, signal) => {
        slots.delete(worker);
        if (draining) {
          if (slots.size === 0) finish();
          return;
        }
        if (!started) {
          // A worker that cannot start (a bad config, Redis unreachable) would fail again.
          failure ??= new Error(`worker ${id} exited with ${signal ?? `code ${code}`} before it was ready`);
          drain(1);
          return;
        }
        const now = Date.now();
        while (restarts.length > 0 && (restarts[0] as number) < now - RESTART_WINDOW_MS) restarts.shift();
        if (restarts.length >= RESTART_LIMIT) {
          process.stderr.write(
            `switchboard: worker ${id} exited with ${signal ?? `code ${code}`}; ${RESTART_LIMIT} restarts within a minute already, stopping\n`,
          );
          drain(1);
          return;
        }
        restarts.push(now);
        process.stderr.write(`switchboard: worker ${id} exited with ${signal ?? `code ${code}`}; starting it again\n`);
        fork(id);
      });
    };
    const onSignal = (): void => drain(0);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    for (let id = 1; id <= count; id++) fork(id);
  });
}

async function serveAsWorker(startWorker: (worker: WorkerInfo) => Promise<WorkerHandle>): Promise<void> {
  const id = Number(process.env[WORKER_ID_VARIABLE]);
  let handle: WorkerHandle;
  try {
    handle = await startWorker({ id });
  } catch (error) {
    // Exits once the primary has the reason (it reports it).
    const message: WorkerMessage = {
      type: 'sb:failed',
      message: error instanceof Error ? error.message : String(error),
    };
    process.send?.(message, undefined, undefined, () => process.exit(1));
    return new Promise<never>(() => {});
  }
  let draining = false;
  const drain = (): void => {
    if (draining) return;
    draining = true;
    handle.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`switchboard: worker ${id} failed to close: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('message', (message: WorkerMessage) => {
    if (message.type === 'sb:drain') drain();
  });
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
  tell(process, { type: 'sb:ready' });
}

function tell(target: { send?: (message: WorkerMessage) => unknown }, message: WorkerMessage): void {
  target.send?.(message);
}
