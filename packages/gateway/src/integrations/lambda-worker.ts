/**
 * A module handler's execution environment: one worker thread per function, with
 * the function's own `process.env` and module instance (a warm Lambda container).
 *
 * Like Lambda, a timed-out invocation resets the environment: the worker is
 * terminated (even a handler stuck in a synchronous loop) and the next invocation
 * starts a fresh one (a cold start).
 */
import { Worker } from 'node:worker_threads';
import { HandlerLoadError } from '../errors.ts';
import { IntegrationTimeoutError } from './integration.ts';
import type { LambdaFunction } from './lambda.ts';
import type { SerialisedError, WorkerData, WorkerReply, WorkerRequest } from './lambda-worker-protocol.ts';

const BOOTSTRAP = new URL('./lambda-worker-bootstrap.mjs', import.meta.url);

interface Pending {
  worker: Worker;
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface WorkerFunctionOptions extends WorkerData {
  environment: Record<string, string>;
}

export class WorkerLambdaFunction implements LambdaFunction {
  readonly functionName: string;
  readonly #options: WorkerFunctionOptions;
  readonly #pending = new Map<number, Pending>();
  #environment: Record<string, string>;
  #worker: Promise<Worker> | undefined;
  /** The started worker behind `#worker`, known synchronously so a reset takes effect at once. */
  #started: Worker | undefined;
  #nextId = 1;
  #closed = false;

  private constructor(options: WorkerFunctionOptions) {
    this.functionName = options.functionName;
    this.#options = options;
    this.#environment = { ...options.environment };
  }

  /** Starts the function's worker and loads its module; a module that fails to load throws HandlerLoadError. */
  static async start(options: WorkerFunctionOptions): Promise<WorkerLambdaFunction> {
    const fn = new WorkerLambdaFunction(options);
    await fn.#ensureWorker();
    return fn;
  }

  async invoke(event: unknown, deadline: number): Promise<unknown> {
    const worker = await this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timeoutMs = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new IntegrationTimeoutError(timeoutMs));
        this.#reset(worker, new Error(`${this.functionName} was reset after a timed-out invocation`));
      }, timeoutMs);
      this.#pending.set(id, { worker, resolve, reject, timer });
      this.#refWhileBusy(worker);
      worker.postMessage({ type: 'invoke', id, event, deadline } satisfies WorkerRequest);
    });
  }

  setEnvironment(values: Record<string, string>): void {
    Object.assign(this.#environment, values);
    void this.#worker?.then((worker) => worker.postMessage({ type: 'environment', values } satisfies WorkerRequest));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = await this.#worker?.catch(() => undefined);
    if (worker) this.#reset(worker, new Error(`${this.functionName} was closed`));
  }

  #ensureWorker(): Promise<Worker> {
    if (this.#closed) return Promise.reject(new Error(`${this.functionName} is closed`));
    this.#worker ??= this.#spawn();
    return this.#worker;
  }

  #spawn(): Promise<Worker> {
    const { environment: _, ...workerData } = this.#options;
    const worker = new Worker(BOOTSTRAP, {
      workerData: workerData satisfies WorkerData,
      env: { ...process.env, ...this.#environment },
      stdout: false,
      stderr: false,
    });
    const started = new Promise<Worker>((resolve, reject) => {
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          this.#started = worker;
          this.#refWhileBusy(worker);
          resolve(worker);
        } else if (reply.type === 'loadError') reject(new HandlerLoadError(reply.error.message));
        else this.#settle(reply);
      });
      worker.once('error', (error) => {
        reject(new HandlerLoadError(`${this.functionName} failed to start: ${error.message}`, { cause: error }));
        this.#forget(worker, error);
      });
      worker.once('exit', (code) => this.#forget(worker, new Error(`${this.functionName} exited with code ${code}`)));
    });
    // A worker that never started is forgotten, so the next invocation tries again.
    started.catch(() => {
      if (this.#worker === started) this.#worker = undefined;
      void worker.terminate();
    });
    return started;
  }

  #settle(reply: Extract<WorkerReply, { id: number }>): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    this.#refWhileBusy(pending.worker);
    if (reply.type === 'result') pending.resolve(reply.result);
    else pending.reject(revive(reply.error));
  }

  /** An idle worker, like an idle keep-alive socket, must not keep the process alive. */
  #refWhileBusy(worker: Worker): void {
    for (const pending of this.#pending.values()) {
      if (pending.worker === worker) {
        worker.ref();
        return;
      }
    }
    worker.unref();
  }

  /** Terminates a worker; its invocations in flight fail, the next invocation starts afresh. */
  #reset(worker: Worker, reason: Error): void {
    this.#forget(worker, reason);
    void worker.terminate();
  }

  #forget(worker: Worker, reason: Error): void {
    if (this.#started === worker) {
      this.#started = undefined;
      this.#worker = undefined;
    }
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== worker) continue;
      clearTimeout(pending.timer);
      pending.reject(reason);
      this.#pending.delete(id);
    }
  }
}

function revive(serialised: SerialisedError): Error {
  const error = new Error(serialised.message);
  error.name = serialised.name;
  if (serialised.stack) error.stack = serialised.stack;
  return error;
}
