/**
 * Request/reply over a child's IPC channel: each command carries an `id`, the
 * answer with the same `id` settles it. Every wait is bounded, and a child that
 * exits settles what was pending, so a run never hangs on a dead process.
 */
import type { ChildProcess } from 'node:child_process';

export class IpcChild<Command extends { type: string }, Reply extends { type: string }> {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly #name: string;
  readonly #waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  /** Messages without an `id` (progress reports). */
  onUnsolicited: ((message: Reply) => void) | undefined;

  constructor(name: string, child: ChildProcess) {
    this.#name = name;
    this.child = child;
    this.pid = child.pid!;
    child.on('message', (message: Reply & { id?: number }) => {
      const waiter = message.id === undefined ? undefined : this.#waiting.get(message.id);
      if (!waiter) {
        this.onUnsolicited?.(message);
        return;
      }
      this.#waiting.delete(message.id!);
      waiter.resolve(message);
    });
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.#exited.then(() => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error(`${name} exited`));
      this.#waiting.clear();
    });
  }

  request(command: Command, timeoutMs = 120_000): Promise<Reply> {
    const id = this.#nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`${this.#name} did not answer ${command.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ ...command, id });
    });
  }

  /** Sends without waiting for an answer. */
  notify(message: object): void {
    if (this.child.connected) this.child.send(message);
  }

  /** Disconnects (the child exits on that) and kills it if it is still there after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    if (this.child.connected) this.child.disconnect();
    await this.#exited;
    clearTimeout(timer);
  }
}
