/**
 * A module handler's concurrent execution environments, as Lambda scales a
 * function: each worker (lambda-worker.ts) runs `maxInvocationsPerWorker`
 * invocations at a time (1, as in Lambda's default model); when every worker is
 * at that limit a new one starts (a cold start), up to `maxWorkers`; beyond that
 * invocations wait in a bounded queue, and when the queue is full too an
 * invocation fails at once with `FunctionThrottledError`, as Lambda answers 429
 * `TooManyRequestsException` beyond a function's concurrency.
 *
 *   invoke ─▶ a worker with room? ── yes ─▶ run there
 *                 └ no ─▶ queue (bounded) ─▶ start a worker if below maxWorkers
 *                           └ full ─▶ FunctionThrottledError
 *   settled ─▶ the worker takes the next queued invocation, or goes idle
 *   timeout ─▶ that invocation fails; its worker takes nothing new and is ended
 *              once nothing else runs there (at once with one per worker)
 *   crash   ─▶ only the invocations running in that worker fail
 *   idle    ─▶ a worker idle for idleWorkerSeconds ends; the function keeps one warm
 *   reload  ─▶ a worker loads the code anew; once it serves, every older worker
 *              retires (its running invocations finish on the old code, then it
 *              ends); if the new code does not load, nothing changes and the
 *              function keeps serving with the workers it has (see #loadFailure)
 */
import { FunctionThrottledError } from '../errors.ts';
import type { ConcurrencySettings } from '../settings.ts';
import { IntegrationTimeoutError } from './integration.ts';
import type { InvokeOptions, LambdaFunction } from './lambda-function.ts';
import { INIT_TIMEOUT_MS, LambdaWorker, type LambdaWorkerEvents, reviveError } from './lambda-worker.ts';
import type { WorkerData, WorkerReply } from './lambda-worker-protocol.ts';

export interface WorkerPoolOptions extends WorkerData {
  environment: Record<string, string>;
  concurrency: ConcurrencySettings;
  /** How long a worker may take to load the module. @default INIT_TIMEOUT_MS (10 s, Lambda's init limit) */
  initTimeoutMs?: number;
}

interface Invocation {
  readonly id: number;
  readonly event: unknown;
  /** When the caller gives up; for an owed invocation, set when a worker takes it. */
  deadline: number;
  /** An owed invocation's time, counted from when a worker takes it. */
  readonly timeoutMs: number;
  readonly owed: boolean;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Where it runs; undefined while it waits in the queue. */
  worker: LambdaWorker | undefined;
}

export class LambdaWorkerPool implements LambdaFunction {
  readonly functionName: string;
  readonly #data: WorkerData;
  readonly #initTimeoutMs: number;
  readonly #concurrency: ConcurrencySettings;
  readonly #environment: Record<string, string>;
  /** Every worker that has not exited, oldest first (starting, serving and retiring). */
  readonly #workers: LambdaWorker[] = [];
  readonly #queue: Invocation[] = [];
  readonly #running = new Map<number, Invocation>();
  readonly #events: LambdaWorkerEvents = {
    settled: (worker, reply) => this.#onSettled(worker, reply),
    exited: (worker, reason) => this.#onExited(worker, reason),
  };
  /** Queued invocations that count against `maxQueuedInvocations` (owed ones do not). */
  #queuedBounded = 0;
  #nextId = 1;
  #closed = false;
  /**
   * Why the code on disk last failed to load (a reload or a cold start), until a
   * worker loads it again. Meanwhile the workers that serve are the only ones
   * that can: the pool starts no new one while any serves, and ends none for idleness.
   */
  #loadFailure: Error | undefined = undefined;
  #reloading: Promise<void> | undefined = undefined;
  #reloadAgain: Promise<void> | undefined = undefined;

  private constructor(options: WorkerPoolOptions) {
    const { environment, concurrency, initTimeoutMs = INIT_TIMEOUT_MS, ...data } = options;
    this.functionName = options.functionName;
    this.#data = data;
    this.#initTimeoutMs = initTimeoutMs;
    this.#concurrency = concurrency;
    this.#environment = { ...environment };
  }

  /** Starts the function's first worker and loads its module; a module that fails to load throws HandlerLoadError. */
  static async start(options: WorkerPoolOptions): Promise<LambdaWorkerPool> {
    const pool = new LambdaWorkerPool(options);
    await pool.#startWorker().ready;
    return pool;
  }

  /** Workers that have not exited, for tests and metrics. */
  get workerCount(): number {
    return this.#workers.length;
  }

  invoke(event: unknown, deadline: number, options: InvokeOptions = {}): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error(`${this.functionName} is closed`));
    const owed = options.owed === true;
    return new Promise((resolve, reject) => {
      const invocation: Invocation = {
        id: this.#nextId++,
        event,
        deadline,
        timeoutMs: Math.max(0, deadline - Date.now()),
        owed,
        resolve,
        reject,
        timer: undefined,
        worker: undefined,
      };
      const worker = this.#workerWithRoom();
      if (worker === undefined && !owed && this.#queuedBounded >= this.#concurrency.maxQueuedInvocations) {
        reject(new FunctionThrottledError(this.functionName, this.#concurrency));
        return;
      }
      // A caller's wait in the queue counts against its deadline, as API Gateway's
      // integration timeout includes Lambda's queueing and cold start.
      if (!owed) invocation.timer = setTimeout(() => this.#timedOut(invocation), invocation.timeoutMs);
      if (worker !== undefined) {
        this.#run(worker, invocation);
        return;
      }
      this.#queue.push(invocation);
      if (!owed) this.#queuedBounded++;
      this.#grow();
    });
  }

  /**
   * Loads the handler's code anew in a new worker, then retires the older ones:
   * invocations running there finish on the code they started with, new ones run
   * the new code. Rejects with HandlerLoadError if the new code does not load; the
   * function then keeps serving with the workers it has. A call while a reload runs
   * is answered by one more reload after it (bursts of calls coalesce).
   */
  reload(): Promise<void> {
    if (this.#reloading === undefined) {
      this.#reloading = this.#loadAnew().finally(() => {
        this.#reloading = undefined;
      });
      return this.#reloading;
    }
    this.#reloadAgain ??= this.#reloading
      .catch(() => {})
      .then(() => {
        this.#reloadAgain = undefined;
        return this.reload();
      });
    return this.#reloadAgain;
  }

  setEnvironment(values: Record<string, string>): void {
    Object.assign(this.#environment, values);
    for (const worker of this.#workers) worker.setEnvironment(values);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const reason = new Error(`${this.functionName} was closed`);
    for (const invocation of this.#queue.splice(0)) {
      clearTimeout(invocation.timer);
      invocation.reject(reason);
    }
    this.#queuedBounded = 0;
    for (const invocation of this.#running.values()) this.#fail(invocation, reason);
    for (const worker of this.#workers) worker.terminate();
  }

  #startWorker(): LambdaWorker {
    const worker = new LambdaWorker(this.#data, this.#environment, this.#events, this.#initTimeoutMs);
    this.#workers.push(worker);
    worker.ready.then(
      () => {
        this.#loadFailure = undefined;
        this.#drain();
      },
      (error: Error) => {
        // A worker ended while it loaded, by a reload or close, says nothing about the code.
        if (worker.retiring) return;
        this.#loadFailure = error;
        // Nothing else can ever take the queue: a module that stopped loading fails it.
        if (!this.#workers.some((other) => other !== worker && this.#takesWork(other))) this.#failQueue(error);
      },
    );
    return worker;
  }

  async #loadAnew(): Promise<void> {
    if (this.#closed) return;
    // Kept out of #workers until it serves, so nothing is routed to code that may not load.
    const worker = new LambdaWorker(this.#data, this.#environment, this.#events, this.#initTimeoutMs);
    try {
      await worker.ready;
    } catch (error) {
      this.#loadFailure = error as Error;
      throw error;
    }
    if (this.#closed) {
      worker.terminate();
      return;
    }
    this.#loadFailure = undefined;
    // Idle and still-starting workers end now; busy ones once their invocations settle (#afterRelease).
    for (const old of this.#workers) {
      old.retiring = true;
      if (old.running === 0) old.terminate();
    }
    this.#workers.push(worker);
    this.#drain();
  }

  #takesWork(worker: LambdaWorker): boolean {
    return worker.serving && !worker.retiring;
  }

  /** The oldest worker with room, so that newer ones go idle and end first. */
  #workerWithRoom(): LambdaWorker | undefined {
    const limit = this.#concurrency.maxInvocationsPerWorker;
    return this.#workers.find((worker) => this.#takesWork(worker) && worker.running < limit);
  }

  #run(worker: LambdaWorker, invocation: Invocation): void {
    clearTimeout(worker.idleTimer);
    worker.idleTimer = undefined;
    invocation.worker = worker;
    if (invocation.owed) {
      invocation.deadline = Date.now() + invocation.timeoutMs;
      invocation.timer = setTimeout(() => this.#timedOut(invocation), invocation.timeoutMs);
    }
    this.#running.set(invocation.id, invocation);
    worker.invoke(invocation.id, invocation.event, invocation.deadline);
  }

  /** Hands queued invocations to workers with room, then starts workers for what is left. */
  #drain(): void {
    while (this.#queue.length > 0) {
      const worker = this.#workerWithRoom();
      if (worker === undefined) break;
      const invocation = this.#queue.shift() as Invocation;
      if (!invocation.owed) this.#queuedBounded--;
      this.#run(worker, invocation);
    }
    this.#grow();
  }

  /** Starts workers while the queue holds more than the starting ones will take, up to `maxWorkers`. */
  #grow(): void {
    if (this.#closed) return;
    // The code on disk does not load: a new worker would fail too, while the serving ones still answer.
    if (this.#loadFailure && this.#workers.some((worker) => this.#takesWork(worker))) return;
    const { maxWorkers, maxInvocationsPerWorker } = this.#concurrency;
    let starting = this.#workers.filter((worker) => !worker.serving).length;
    while (this.#queue.length > starting * maxInvocationsPerWorker && this.#workers.length < maxWorkers) {
      this.#startWorker();
      starting++;
    }
  }

  #onSettled(worker: LambdaWorker, reply: Extract<WorkerReply, { id: number }>): void {
    const invocation = this.#running.get(reply.id);
    // A reply after its invocation timed out: the worker is retiring already.
    if (invocation === undefined) return;
    this.#running.delete(reply.id);
    clearTimeout(invocation.timer);
    worker.release();
    if (reply.type === 'result') invocation.resolve(reply.result);
    else invocation.reject(reviveError(reply.error));
    this.#afterRelease(worker);
  }

  #timedOut(invocation: Invocation): void {
    const error = new IntegrationTimeoutError(invocation.timeoutMs);
    const worker = invocation.worker;
    if (worker === undefined) {
      // Still queued: it never ran, and no worker is affected.
      this.#queue.splice(this.#queue.indexOf(invocation), 1);
      if (!invocation.owed) this.#queuedBounded--;
      invocation.reject(error);
      return;
    }
    // Like Lambda, a timed-out environment is reset: this worker is ended (even if its
    // handler is stuck in a synchronous loop) once nothing else runs in it.
    worker.retiring = true;
    this.#running.delete(invocation.id);
    worker.release();
    invocation.reject(error);
    this.#afterRelease(worker);
  }

  #afterRelease(worker: LambdaWorker): void {
    if (worker.running > 0) return;
    if (worker.retiring) {
      worker.terminate();
      return;
    }
    if (this.#queue.length > 0) {
      this.#drain();
      return;
    }
    worker.idleTimer = setTimeout(() => this.#reapIdle(worker), this.#concurrency.idleWorkerSeconds * 1000);
    worker.idleTimer.unref();
  }

  /** Ends an idle worker, unless it is the last one serving (the function keeps one warm). */
  #reapIdle(worker: LambdaWorker): void {
    worker.idleTimer = undefined;
    // While the code on disk does not load, an ended worker could not be replaced.
    if (worker.running > 0 || this.#loadFailure) return;
    const othersServing = this.#workers.some((other) => other !== worker && this.#takesWork(other));
    if (othersServing) worker.terminate();
  }

  #onExited(worker: LambdaWorker, reason: Error): void {
    // A reloading worker whose code did not load was never in the list.
    const index = this.#workers.indexOf(worker);
    if (index !== -1) this.#workers.splice(index, 1);
    for (const invocation of this.#running.values()) {
      if (invocation.worker === worker) this.#fail(invocation, reason);
    }
    if (!this.#closed) this.#drain();
  }

  #fail(invocation: Invocation, reason: Error): void {
    this.#running.delete(invocation.id);
    clearTimeout(invocation.timer);
    invocation.worker?.release();
    invocation.reject(reason);
  }

  #failQueue(reason: Error): void {
    for (const invocation of this.#queue.splice(0)) {
      clearTimeout(invocation.timer);
      invocation.reject(reason);
    }
    this.#queuedBounded = 0;
  }
}
