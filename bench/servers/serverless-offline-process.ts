/**
 * serverless-offline's WebSocket emulation as a server under test (scenario 5).
 * It has no IPC of ours: it is started from `serverless-offline/serverless.yml`,
 * pinned to the server core, and known ready when its WebSocket port accepts.
 * Its `$connect` handler appends connection ids to a file the runner reads.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientTarget } from '../load/ws-client.ts';
import { hasTaskset, SERVER_CORE } from '../support/pinned-process.ts';

const SERVICE_DIR = fileURLToPath(new URL('./serverless-offline/', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

export interface ServerlessOffline {
  pid: number;
  target: ClientTarget;
  /** `@connections` base: serverless-offline serves it on the WebSocket port, without a stage. */
  managementUrl: string;
  connectionIds(): string[];
  stop(): Promise<void>;
}

export async function startServerlessOffline(): Promise<ServerlessOffline | string> {
  let cli: string;
  try {
    cli = createRequire(import.meta.url).resolve('serverless/bin/serverless.js');
  } catch {
    return 'serverless is not installed';
  }
  const [websocketPort, httpPort, lambdaPort] = await freePorts(3);
  const workDir = mkdtempSync(join(tmpdir(), 'sb-bench-sls-'));
  const idsFile = join(workDir, 'connection-ids');
  writeFileSync(idsFile, '');
  const args = [
    cli,
    'offline',
    'start',
    '--websocketPort',
    String(websocketPort),
    '--httpPort',
    String(httpPort),
    '--lambdaPort',
    String(lambdaPort),
  ];
  const command = hasTaskset() ? 'taskset' : process.execPath;
  const commandArgs = hasTaskset() ? ['-c', String(SERVER_CORE), process.execPath, ...args] : args;
  const child: ChildProcess = spawn(command, commandArgs, {
    cwd: SERVICE_DIR,
    env: { ...process.env, BENCH_IDS_FILE: idsFile, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
    // It logs every invocation; that output is not part of the benchmark.
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(workDir, { recursive: true, force: true });
  };
  if (!(await waitForPort(websocketPort!, READY_TIMEOUT_MS, exited))) {
    await stop();
    return `serverless-offline did not listen within ${READY_TIMEOUT_MS / 1000} s`;
  }
  return {
    pid: child.pid!,
    target: { host: '127.0.0.1', port: websocketPort!, path: '/', dialect: 'websocket' },
    managementUrl: `http://127.0.0.1:${websocketPort}`,
    connectionIds: () => readFileSync(idsFile, 'utf8').split('\n').filter(Boolean),
    stop,
  };
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function waitForPort(port: number, timeoutMs: number, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
