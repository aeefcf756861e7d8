/**
 * One execution environment of a module handler: a worker thread with the
 * function's own `process.env` and module instance (a warm Lambda container).
 * The pool (lambda-worker-pool.ts) decides what runs where; this file only owns
 * the thread: starting it, passing invocations in and replies out, ending it.
 *
 *   new ─▶ starting ──ready──▶ serving ⇄ invocations ─▶ terminate() / crash ─▶ exited
 *              └──loadError / start failure──▶ exited (ready rejects HandlerLoadError)
 */
import { Worker } from 'node:worker_threads';
import { HandlerLoadError } from '../errors.ts';
import type { SerialisedError, WorkerData, WorkerReply, WorkerRequest } from './lambda-worker-protocol.ts';

const BOOTSTRAP = new URL('./lambda-worker-bootstrap.mjs', import.meta.url);

/**
 * How long a module may take to load (its imports, its top-level code) before the
 * load fails: Lambda gives a function's init phase 10 s. A top-level `await` on a
 * fetch that never answers would otherwise hold the start, or a hot reload, forever.
 */
export const INIT_TIMEOUT_MS = 10_000;

/** Node's exit code for a module whose top-level `await` can never settle. */
const UNSETTLED_TOP_LEVEL_AWAIT = 13;

/** What a worker tells its pool. */
export interface LambdaWorkerEvents {
  /** An invocation finished in the handler (its result or its error). */
  settled(worker: LambdaWorker, reply: Extract<WorkerReply, { id: number }>): void;
  /** The thread has ended: terminated, `process.exit()` in the handler, or an uncaught error. */
  exited(worker: LambdaWorker, reason: Error): void;
}

export class LambdaWorker {
  /** Resolves once the module has loaded; rejects with HandlerLoadError if it cannot. */
  readonly ready: Promise<void>;
  /** Invocations the pool has running here. */
  running = 0;
  /** The module has loaded and the thread has not ended. */
  serving = false;
  /** Takes nothing new: it had an invocation time out (and ends once `running` is 0), or it is ending. */
  retiring = false;
  /** Ends the worker when it has been idle long enough (set by the pool). */
  idleTimer: NodeJS.Timeout | undefined = undefined;
  readonly #thread: Worker;
  #ended = false;

  constructor(
    data: WorkerData,
    environment: Record<string, string>,
    events: LambdaWorkerEvents,
    initTimeoutMs = INIT_TIMEOUT_MS,
  ) {
    const thread = new Worker(BOOTSTRAP, {
      workerData: data,
      env: { ...process.env, ...environment },
      stdout: false,
      stderr: false,
    });
    this.#thread = thread;
    let crash: Error | undefined;
    const module = `${data.reference} (in ${data.baseDir})`;
    let initTimer: NodeJS.Timeout | undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      initTimer = setTimeout(() => {
        reject(
          new HandlerLoadError(
            `${data.functionName}: handler module ${module} did not finish loading within ${initTimeoutMs / 1000} s (Lambda's init limit is 10 s); look for a top-level await that never ends`,
          ),
        );
        void thread.terminate();
      }, initTimeoutMs);
      thread.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          this.serving = true;
          this.#refWhileBusy();
          resolve();
        } else if (reply.type === 'loadError') {
          reject(new HandlerLoadError(reply.error.message));
          void thread.terminate();
        } else {
          events.settled(this, reply);
        }
      });
      thread.once('error', (error) => {
        crash = error;
        reject(new HandlerLoadError(`${data.functionName} failed to start: ${error.message}`, { cause: error }));
      });
      thread.once('exit', (code) => {
        this.#ended = true;
        this.serving = false;
        clearTimeout(this.idleTimer);
        const why =
          code === UNSETTLED_TOP_LEVEL_AWAIT
            ? `: handler module ${module} has a top-level await that never settles`
            : '';
        reject(new HandlerLoadError(`${data.functionName} exited with code ${code} while loading${why}`));
        events.exited(
          this,
          crash === undefined
            ? new Error(`${data.functionName} exited with code ${code}`)
            : new Error(`${data.functionName} crashed: ${crash.message}`, { cause: crash }),
        );
      });
    });
    // However the load ends, its deadline is over. The pool awaits `ready` where a load
    // failure matters; elsewhere `exited` reports it.
    const loaded = (): void => clearTimeout(initTimer);
    this.ready.then(loaded, loaded);
  }

  invoke(id: number, event: unknown, deadline: number): void {
    this.running++;
    this.#refWhileBusy();
    this.#thread.postMessage({ type: 'invoke', id, event, deadline } satisfies WorkerRequest);
  }

  /** The pool no longer counts an invocation as running here (it settled or timed out). */
  release(): void {
    this.running--;
    this.#refWhileBusy();
  }

  /** Variables known only once the gateway listens; a starting worker receives them once it has loaded. */
  setEnvironment(values: Record<string, string>): void {
    if (!this.#ended) this.#thread.postMessage({ type: 'environment', values } satisfies WorkerRequest);
  }

  /** Ends the thread, even one stuck in a synchronous loop; `exited` follows. */
  terminate(): void {
    this.retiring = true;
    clearTimeout(this.idleTimer);
    void this.#thread.terminate();
  }

  /** An idle worker, like an idle keep-alive socket, must not keep the process alive. */
  #refWhileBusy(): void {
    if (this.running > 0 || !this.serving) this.#thread.ref();
    else this.#thread.unref();
  }
}

export function reviveError(serialised: SerialisedError): Error {
  const error = new Error(serialised.message);
  error.name = serialised.name;
  if (serialised.stack) error.stack = serialised.stack;
  return error;
}
