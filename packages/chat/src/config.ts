/**
 * The chat's settings from command-line flags and environment variables,
 * checked before anything starts, so a mistake is one line that names the
 * setting rather than a driver's stack trace minutes later.
 *
 *   (nothing set)               embedded: SQLite in DATA_DIR, one process (the default)
 *   DATABASE_URL                one node on PostgreSQL
 *   DATABASE_URL + REDIS_URL    a cluster node: PostgreSQL, and the gateway's cluster over Redis
 *
 * Flags win over environment variables, which win over defaults. A relative
 * data directory is taken from where the command was typed: npm runs workspace
 * scripts in the package's folder but passes the caller's in INIT_CWD, so
 * `npm start` at the repository root keeps its data in `./data` there.
 */
import { resolve } from 'node:path';
import type { ChatServerOptions } from './server.ts';
import { ChatServerError, ChatServerErrorCode } from './server-error.ts';

/** The flags `main.ts` accepts, as `parseArgs` returns them. */
export interface ChatFlags {
  port?: string;
  host?: string;
  'data-dir'?: string;
  workers?: string;
}

export interface ChatConfig {
  /** Processes to run on this machine, one node each (`--workers`, `WORKERS`). */
  workers: number;
  /** What each process passes to `startChatServer`. */
  server: ChatServerOptions;
}

/** The environment variables the chat reads, for usage texts and docs. */
export const CHAT_ENVIRONMENT = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'CHAT_TOKEN_SECRET',
  'DATABASE_URL',
  'DATABASE_SCHEMA',
  'REDIS_URL',
  'NODE_ID',
  'WORKERS',
] as const;

/** A token secret must be at least this long (accounts/secret.ts checks it too). */
const SECRET_MIN_LENGTH = 32;

/**
 * Reads and checks every setting. Throws `ChatServerError` with code
 * `CHAT_SERVER_CONFIG` and a message naming the offending setting.
 *
 * @example
 * const { workers, server } = readChatConfig(flags, process.env);
 * await startChatServer(server);
 */
export function readChatConfig(
  flags: ChatFlags,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = env.INIT_CWD ?? process.cwd(),
): ChatConfig {
  const port = readInteger('the port', '--port or PORT', flags.port ?? env.PORT ?? '8080', 0, 65_535);
  const workers = readInteger(
    'the number of workers',
    '--workers or WORKERS',
    flags.workers ?? env.WORKERS ?? '1',
    1,
    1024,
  );
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const redisUrl = nonEmpty(env.REDIS_URL);
  const tokenSecret = nonEmpty(env.CHAT_TOKEN_SECRET);
  const schema = nonEmpty(env.DATABASE_SCHEMA);

  if (databaseUrl !== undefined) checkUrl('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']);
  if (redisUrl !== undefined) checkUrl('REDIS_URL', redisUrl, ['redis:', 'rediss:']);
  if (schema !== undefined && databaseUrl === undefined) {
    fail('DATABASE_SCHEMA is set but DATABASE_URL is not: the schema applies to PostgreSQL only.');
  }
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    fail(`DATABASE_SCHEMA must be lower-case letters, digits and "_" (up to 63), got ${JSON.stringify(schema)}.`);
  }
  if (tokenSecret !== undefined && tokenSecret.length < SECRET_MIN_LENGTH) {
    fail(`CHAT_TOKEN_SECRET must be at least ${SECRET_MIN_LENGTH} characters.`);
  }
  if (redisUrl !== undefined) {
    // Nodes of one cluster share accounts and rooms, so they need one database, and
    // a token issued by one node must verify on every other.
    if (databaseUrl === undefined) {
      fail('REDIS_URL is set but DATABASE_URL is not: cluster nodes must share one PostgreSQL database.');
    }
    if (tokenSecret === undefined) {
      fail(
        'REDIS_URL is set but CHAT_TOKEN_SECRET is not: every node of a cluster must sign tokens with the same secret (at least 32 characters).',
      );
    }
    if (env.NODE_ID && !/^[A-Za-z0-9_.-]{1,60}$/.test(env.NODE_ID)) {
      fail(`NODE_ID must be 1 to 60 characters from A-Z a-z 0-9 _ . -, got ${JSON.stringify(env.NODE_ID)}.`);
    }
  } else if (nonEmpty(env.NODE_ID) !== undefined) {
    fail('NODE_ID is set but REDIS_URL is not: a node id only names a cluster node.');
  }
  if (workers > 1 && (redisUrl === undefined || databaseUrl === undefined)) {
    const missing = [databaseUrl === undefined && 'DATABASE_URL', redisUrl === undefined && 'REDIS_URL'].filter(
      Boolean,
    );
    fail(
      `--workers ${workers} needs ${missing.join(' and ')}: each worker is a cluster node, and nodes share PostgreSQL and Redis.`,
    );
  }

  const server: ChatServerOptions = {
    port,
    host: flags.host ?? nonEmpty(env.HOST) ?? '127.0.0.1',
    dataDir: resolve(cwd, flags['data-dir'] ?? nonEmpty(env.DATA_DIR) ?? 'data'),
    ...(tokenSecret !== undefined && { tokenSecret }),
    ...(databaseUrl !== undefined && { database: { url: databaseUrl, ...(schema !== undefined && { schema }) } }),
    ...(redisUrl !== undefined && {
      cluster: { redisUrl, ...(nonEmpty(env.NODE_ID) !== undefined && { nodeId: nonEmpty(env.NODE_ID) }) },
    }),
  };
  return { workers, server };
}

/**
 * A URL fit for logs and error messages: the password replaced by `***`.
 * @example redactUrl('postgres://chat:hunter2@db:5432/chat') // 'postgres://chat:***@db:5432/chat'
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(not a URL)';
  }
}

function checkUrl(name: string, value: string, protocols: readonly string[]): void {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail(`${name} is not a URL. Expected for example ${protocols[0]}//host:port.`);
  }
  if (!protocols.includes(parsed.protocol) || parsed.hostname === '') {
    fail(`${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL with a host, got ${redactUrl(value)}.`);
  }
}

function readInteger(what: string, names: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    fail(`${what} must be a number from ${min} to ${max} (${names}), got ${JSON.stringify(text)}.`);
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function fail(message: string): never {
  throw new ChatServerError(ChatServerErrorCode.config, message);
}
