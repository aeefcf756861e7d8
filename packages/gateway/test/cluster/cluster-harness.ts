/**
 * Test support for cluster mode: gateway nodes on loopback ports joined over the
 * machine's Redis (127.0.0.1:6379) under a key prefix of their own, so test runs
 * never see each other's keys, plus a private redis-server for outage tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after } from 'node:test';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { Redis } from 'ioredis';
import type { GatewayDefinition } from '../../src/definition.ts';
import type { GatewayOptions } from '../../src/gateway.ts';
import { disconnectRecorder, whoami } from '../support/channels-harness.ts';
import { EventRecorder, type RunningGateway, sleep, startGateway, withTimeout } from '../support/gateway-harness.ts';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * A stopped node is noticed within about two seconds, and a node of a loaded test
 * machine whose timers run late does not take itself for stalled (it would fence).
 */
export const FAST = { heartbeatMs: 250, nodeTtlMs: 1500 } as const;

let clusters = 0;

/** A key prefix no other test (or test run) uses; its keys are deleted after the file's tests. */
export function uniqueKeyPrefix(redisUrl = REDIS_URL): string {
  const prefix = `sbtest-${process.pid}-${Date.now().toString(36)}-${++clusters}`;
  after(() => deleteKeys(redisUrl, prefix));
  return prefix;
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // A private Redis that is gone already.
  } finally {
    redis.disconnect();
  }
}

export interface ClusterTestNode extends RunningGateway {
  nodeId: string;
  /** The `$disconnect` events this node ran. */
  disconnects: EventRecorder;
}

/** The definition every test node serves: `whoami` on `$default`, and a recorded `$disconnect`. */
export function nodeDefinition(disconnects: EventRecorder, extra: GatewayDefinition['routes'] = {}): GatewayDefinition {
  return { routes: { $default: whoami, $disconnect: disconnectRecorder(disconnects), ...extra } };
}

/** Starts `names.length` nodes of one cluster; they are closed after the file's tests. */
export async function startNodes(
  names: string[],
  cluster: { keyPrefix: string; redisUrl?: string },
  options: { routes?: GatewayDefinition['routes']; gateway?: GatewayOptions } = {},
): Promise<ClusterTestNode[]> {
  const nodes: ClusterTestNode[] = [];
  for (const nodeId of names) {
    const disconnects = new EventRecorder();
    const running = await startGateway(nodeDefinition(disconnects, options.routes), {
      tls: false,
      ...options.gateway,
      cluster: { redisUrl: REDIS_URL, ...FAST, ...cluster, nodeId },
    });
    nodes.push({ ...running, nodeId, disconnects });
  }
  return nodes;
}

/** The real AWS SDK client against a node's `@connections` endpoint. */
export function sdkFor(node: RunningGateway): ApiGatewayManagementApiClient {
  const client = new ApiGatewayManagementApiClient({
    endpoint: node.managementUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  });
  after(() => client.destroy());
  return client;
}

/**
 * Starts a node fixture (a script that prints `{"url":...}` once listening) in a
 * child process; it is killed after the file's tests.
 */
export async function startChildNode(
  fixture: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  after(() => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  const [line] = (await withTimeout(once(child.stdout, 'data'), 30_000, 'the child node did not start')) as [Buffer];
  const { url } = JSON.parse(line.toString()) as { url: string };
  return { child, url };
}

/** A free loopback port (for processes that cannot take port 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of this test's own (no persistence), which the test may stop and start again. */
export class PrivateRedis {
  readonly port: number;
  readonly url: string;
  #process: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    after(() => redis.stop());
    await redis.restart();
    return redis;
  }

  /** Starts the server (again) on its port and waits until it answers. */
  async restart(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.#process = child;
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await withTimeout(
        (async () => {
          for (;;) {
            try {
              await probe.connect();
              await probe.ping();
              return;
            } catch {
              probe.disconnect();
              await sleep(50);
            }
          }
        })(),
        5000,
        'the private redis-server did not start',
      );
    } finally {
      probe.disconnect();
    }
  }

  /** Kills the server and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await withTimeout(exited, 5000, 'the private redis-server did not exit');
  }
}

/** Retries `attempt` until it resolves true, up to `timeoutMs`. */
export async function eventually(attempt: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await attempt()) return;
    if (Date.now() > deadline) throw new Error(`${message} within ${timeoutMs} ms`);
    await sleep(50);
  }
}
