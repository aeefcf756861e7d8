/**
 * A server process of its own on the server core that reports `ready` (with its
 * addresses) over IPC once it listens, and exits when the runner disconnects.
 */
import { IpcChild } from './ipc-child.ts';
import { SERVER_CORE, startPinned } from './pinned-process.ts';

const START_TIMEOUT_MS = 30_000;

export interface ReadyChild<Ready> {
  ready: Ready;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `entry` pinned to `core` (the server core by default) and waits for its first IPC message (its `ready`). */
export async function startReadyChild<Ready extends { type: string }>(
  name: string,
  entry: string,
  env: Record<string, string> = {},
  core = SERVER_CORE,
): Promise<ReadyChild<Ready>> {
  const server = new IpcChild<{ type: string }, Ready>(name, startPinned(entry, { core, env }));
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${name} did not start`)), START_TIMEOUT_MS);
      server.onUnsolicited = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      server.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the ${name} exited with ${code}`));
      });
    });
    return { ready, pid: server.pid, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
