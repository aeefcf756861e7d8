/**
 * The runner's handle on one cluster node (scenario 7): `switchboard-cluster-node.ts`
 * started pinned to a core of its own and driven over IPC with the same commands
 * as every server under test (protocol.ts).
 */
import { fileURLToPath } from 'node:url';
import type { ClusterOptions } from '@switchboard/gateway';
import type { ClientTarget } from '../load/ws-client.ts';
import { IpcChild } from '../support/ipc-child.ts';
import { startPinned } from '../support/pinned-process.ts';
import type { ServerCommand, ServerReply } from './protocol.ts';

const ENTRY = fileURLToPath(new URL('./switchboard-cluster-node.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

type Request = ServerCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export class ClusterNodeProcess {
  readonly pid: number;
  readonly target: ClientTarget;
  readonly #ipc: IpcChild<Request, ServerReply>;

  private constructor(ipc: IpcChild<Request, ServerReply>, target: ClientTarget) {
    this.#ipc = ipc;
    this.pid = ipc.pid;
    this.target = target;
  }

  /** Starts a node on `core` and waits until it has joined the cluster; rejects with the reason it could not. */
  static async start(core: number, cluster: ClusterOptions): Promise<ClusterNodeProcess> {
    const name = `cluster node ${cluster.nodeId ?? ''}`.trim();
    const child = startPinned(ENTRY, { core, env: { BENCH_CLUSTER_OPTIONS: JSON.stringify(cluster) } });
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
      if (first instanceof Error) throw first;
      throw new Error(first.type === 'unavailable' ? `${name}: ${first.reason}` : `${name} answered ${first.type}`);
    }
    return new ClusterNodeProcess(ipc, first.target);
  }

  async request<T extends ServerReply['type']>(
    command: Request,
    expect: T,
  ): Promise<Extract<ServerReply, { type: T }>> {
    const reply = await this.#ipc.request(command);
    if (reply.type !== expect)
      throw new Error(`cluster node: ${reply.type === 'error' ? reply.message : `unexpected ${reply.type}`}`);
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
