/**
 * The runner's handle on one server under test: started pinned to the server
 * core, driven over IPC (see protocol.ts), stopped at the end of each scenario.
 */
import { fileURLToPath } from 'node:url';
import type { ClientTarget } from '../load/ws-client.ts';
import { IpcChild } from '../support/ipc-child.ts';
import { SERVER_CORE, startPinned } from '../support/pinned-process.ts';
import { type HarnessedServerName, SERVERS } from './catalog.ts';
import type { ServerCommand, ServerOptions, ServerReply } from './protocol.ts';

const START_TIMEOUT_MS = 30_000;

type Request = ServerCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export interface LaunchOptions {
  /** For messages. */
  name: string;
  /** The server's entry file. */
  entry: string;
  core: number;
  env: Record<string, string>;
  nodeArgs?: string[];
}

export class ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly target: ClientTarget;
  readonly managementUrl: string | undefined;
  readonly #ipc: IpcChild<Request, ServerReply>;

  private constructor(
    name: string,
    ipc: IpcChild<Request, ServerReply>,
    ready: Extract<ServerReply, { type: 'ready' }>,
  ) {
    this.name = name;
    this.#ipc = ipc;
    this.pid = ipc.pid;
    this.target = ready.target;
    this.managementUrl = ready.managementUrl;
  }

  /** Starts a server under test; resolves to a reason string when it cannot run here. */
  static start(name: HarnessedServerName, options: Partial<ServerOptions> = {}): Promise<ServerProcess | string> {
    return ServerProcess.launch({
      name,
      entry: fileURLToPath(new URL(`./${SERVERS[name].entry}`, import.meta.url)),
      core: SERVER_CORE,
      nodeArgs: ['--expose-gc'],
      env: { BENCH_SERVER_OPTIONS: JSON.stringify(options) },
    });
  }

  /**
   * Starts any server entry that speaks protocol.ts, pinned to `core`, and waits for
   * its `ready`; resolves to a reason string when it cannot run here.
   */
  static async launch({ name, entry, core, env, nodeArgs }: LaunchOptions): Promise<ServerProcess | string> {
    const child = startPinned(entry, { core, env, ...(nodeArgs ? { nodeArgs } : {}) });
    const ipc = new IpcChild<Request, ServerReply>(name, child);
    const first = await new Promise<ServerReply | Error>((resolve) => {
      const timer = setTimeout(
        () => resolve(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      ipc.onUnsolicited = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(new Error(`${name} exited with ${code} before it was ready`));
      });
    });
    ipc.onUnsolicited = undefined;
    if (first instanceof Error || first.type !== 'ready') {
      child.kill('SIGKILL');
      if (first instanceof Error) return first.message;
      return first.type === 'unavailable' ? first.reason : `${name} answered ${first.type}`;
    }
    return new ServerProcess(name, ipc, first);
  }

  async request<T extends ServerReply['type']>(
    command: Request,
    expect: T,
    timeoutMs = 120_000,
  ): Promise<Extract<ServerReply, { type: T }>> {
    const reply = await this.#ipc.request(command, timeoutMs);
    if (reply.type !== expect)
      throw new Error(`${this.name}: ${reply.type === 'error' ? reply.message : `unexpected ${reply.type}`}`);
    return reply as Extract<ServerReply, { type: T }>;
  }

  /** Tells the publisher how many deliveries the load processes have seen (no answer). */
  credit(received: number): void {
    this.#ipc.notify({ type: 'credit', received } satisfies ServerCommand);
  }

  stop(): Promise<void> {
    return this.#ipc.stop();
  }
}
