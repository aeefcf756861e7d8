/**
 * Test support for the chat's cluster mode: several chat nodes in this process
 * (or child processes), each with its own PostgreSQL schema and a shared Redis key
 * prefix, a private redis-server it can kill and restart, and helpers to wait for
 * a condition. The TCP relay that cuts the database is in ../tcp-relay.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from 'pino';
import { type ChatClusterOptions, type ChatServer, type ChatServerOptions, startChatServer } from '../../src/server.ts';
import { WAIT_MS } from '../chat-test-client.ts';
import { cheapPasswordCost, relaxedRateLimits } from '../test-settings.ts';

export const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Shared by every node of a test cluster, as CHAT_TOKEN_SECRET would be. */
export const TOKEN_SECRET = 'cluster-test-secret-0123456789abcdef';
/** Short, so a dead node's connections are found within a test's waits. */
export const FAST_FAILURE_DETECTION = { heartbeatMs: 250, nodeTtlMs: 1500 } as const;

const schemas: string[] = [];

/** A schema name no other run uses; `dropSchemas` removes them. */
export function freshSchema(): string {
  const schema = `chat_cluster_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  schemas.push(schema);
  return schema;
}

/** A Redis key prefix no other run uses. */
export function freshKeyPrefix(): string {
  return `sb-test-${randomUUID().slice(0, 8)}`;
}

/** Register with `after()` in each file. */
export async function dropSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of schemas.splice(0)) {
      await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    }
  } finally {
    await client.end();
  }
}

export interface ClusterSetup {
  /** @default a fresh schema */
  schema?: string;
  /** @default a fresh prefix */
  keyPrefix?: string;
  /** @default the shared Redis */
  redisUrl?: string;
  /** @default the shared database */
  databaseUrl?: string;
  /** Shorter than the default so that outage tests answer quickly. */
  connectionTimeoutMs?: number;
  /** The statement timeout (`database.queryTimeoutMs`). @default the chat's */
  queryTimeoutMs?: number;
  /** Where every node logs. @default nothing is logged */
  logger?: Logger;
  /** How often clients ping for room heads. @default the chat's (25 s) */
  heartbeatIntervalMs?: number;
  /** Wraps each node's broadcaster (nodes started in this process only). @default none */
  broadcaster?: ChatServerOptions['broadcaster'];
}

/** The options of node `index` of a test cluster. */
export function nodeOptions(index: number, setup: Required<Pick<ClusterSetup, 'schema' | 'keyPrefix'>> & ClusterSetup) {
  const cluster: ChatClusterOptions = {
    redisUrl: setup.redisUrl ?? redisUrl,
    nodeId: `node-${index}`,
    keyPrefix: setup.keyPrefix,
    ...FAST_FAILURE_DETECTION,
  };
  return {
    port: 0,
    logger: setup.logger ?? false,
    webRoot: fileURLToPath(new URL('./no-web-client', import.meta.url)),
    tokenSecret: TOKEN_SECRET,
    database: {
      url: setup.databaseUrl ?? databaseUrl,
      schema: setup.schema,
      poolSize: 4,
      ...(setup.connectionTimeoutMs !== undefined && { connectionTimeoutMs: setup.connectionTimeoutMs }),
      ...(setup.queryTimeoutMs !== undefined && { queryTimeoutMs: setup.queryTimeoutMs }),
    },
    cluster,
    rateLimits: relaxedRateLimits,
    passwordCost: cheapPasswordCost,
    ...(setup.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: setup.heartbeatIntervalMs }),
    ...(setup.broadcaster !== undefined && { broadcaster: setup.broadcaster }),
  } satisfies ChatServerOptions;
}

/** Starts `count` nodes in this process, one after the other (the first migrates the schema); closes them after the test. */
export async function startCluster(
  t: { after(fn: () => Promise<void>): void },
  count: number,
  setup: ClusterSetup = {},
): Promise<ChatServer[]> {
  const shared = { ...setup, schema: setup.schema ?? freshSchema(), keyPrefix: setup.keyPrefix ?? freshKeyPrefix() };
  const nodes: ChatServer[] = [];
  t.after(async () => {
    await Promise.all(nodes.map((node) => node.close()));
  });
  for (let i = 0; i < count; i++) nodes.push(await startChatServer(nodeOptions(i, shared)));
  return nodes;
}

export interface ChildNode {
  url: string;
  webSocketUrl: string;
  /** The `@connections` endpoint (the node's management listener). */
  managementUrl: string;
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /**
   * Stops the node gracefully (SIGTERM) and cuts it off (SIGKILL) if that has not
   * ended within `graceMs`, so a shutdown that hangs cannot hold a test file up;
   * resolves to how it ended.
   */
  stop(graceMs?: number): Promise<'graceful' | 'killed'>;
}

const nodeScript = fileURLToPath(new URL('./chat-node.ts', import.meta.url));

/**
 * How long a child node may take to start before it counts as failed: starting
 * loads the whole chat and the AWS SDK through the TypeScript loader, seconds on
 * a quiet machine and far more on one busy with other test files.
 */
const NODE_START_MS = 60_000;

/**
 * Starts a node in a child process (test/cluster/chat-node.ts) and resolves once it
 * serves; `env` adds to this process's environment (the AWS SDK's settings).
 */
export function startChildNode(options: ChatServerOptions, env: Record<string, string> = {}): Promise<ChildNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', nodeScript], {
    env: { ...process.env, ...env, CHAT_NODE_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const stop = async (graceMs = WAIT_MS): Promise<'graceful' | 'killed'> => {
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      kill('SIGTERM').then(() => 'graceful' as const),
      new Promise<'killed'>((resolve) => (timer = setTimeout(() => resolve('killed'), graceMs))),
    ]);
    clearTimeout(timer);
    await kill('SIGKILL');
    return ended;
  };
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill('SIGKILL');
      reject(new Error(`the node did not start: ${stderr}`));
    }, NODE_START_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^READY (.+)$/m.exec(stdout)?.[1];
      if (!line) return;
      clearTimeout(timer);
      const addresses = JSON.parse(line) as Pick<ChildNode, 'url' | 'webSocketUrl' | 'managementUrl'>;
      resolve({ ...addresses, process: child, exited, kill, stop });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the node exited before it started: ${stderr}`));
    });
  });
}

/** A port that was free a moment ago (for servers that must come back on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** SIGKILL: everything it held is gone (it keeps nothing on disk). */
  kill(): Promise<void>;
}

/** A redis-server of this test's own on `port`, never the shared one. */
export function startPrivateRedis(port: number): Promise<PrivateRedis> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`redis-server did not start: ${output}`));
    }, WAIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve({ port, url: `redis://127.0.0.1:${port}`, kill });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited: ${output}`));
    });
  });
}

/** Polls `check` until it returns true; rejects after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = WAIT_MS * 2,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the node's `/readyz` answers 503 naming Redis among what is down. */
export function untilRedisReportedDown(node: { url: string }, what: string): Promise<void> {
  return waitUntil(async () => {
    const { status, body } = await probe(node.url, '/readyz');
    return status === 503 && (body.down as string[]).includes('redis');
  }, `${what} reports Redis down`);
}

/** GET a probe path; the status and the JSON body. */
export async function probe(
  url: string,
  path: '/healthz' | '/readyz',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(WAIT_MS) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
