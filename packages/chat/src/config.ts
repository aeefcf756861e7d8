/**
 * The chat's settings from command-line flags and environment variables,
 * checked before anything starts, so a mistake is one line that names the
 * setting rather than a driver's stack trace minutes later.
 *
 *   (nothing set)                 embedded: SQLite in DATA_DIR, one process (the default)
 *   DATABASE_URL                  one node on PostgreSQL
 *   DYNAMODB_TABLE                one node on DynamoDB (the SDK's region, endpoint and credentials)
 *   either of them + REDIS_URL    a cluster node: the shared database, and the gateway's cluster over Redis
 *
 * The token key is CHAT_TOKEN_SECRET, or the Secrets Manager secret named by
 * CHAT_TOKEN_SECRET_ARN (rotated keys: lambda/token-key-ring.ts), or, alone,
 * generated into the data directory.
 *
 * Flags win over environment variables, which win over defaults. A relative
 * data directory is taken from where the command was typed: npm runs workspace
 * scripts in the package's folder but passes the caller's in INIT_CWD, so
 * `npm start` at the repository root keeps its data in `./data` there.
 */
import { resolve } from 'node:path';
import { FILES_ENVIRONMENT, readFilesConfig } from './config-files.ts';
import { serverAdminNames } from './domain/names.ts';
import { parseRateLimits, type RateLimitOverrides } from './domain/rate-limits.ts';
import { TrustedProxies } from './http/client-address.ts';
import { redactUrl } from './redact-url.ts';
import type { ChatServerOptions } from './server.ts';
import { ChatServerError, ChatServerErrorCode } from './server-error.ts';

/** The flags `main.ts` accepts, as `parseArgs` returns them. */
export interface ChatFlags {
  port?: string;
  host?: string;
  'management-port'?: string;
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
  'MANAGEMENT_PORT',
  'DATA_DIR',
  'CHAT_TOKEN_SECRET',
  'DATABASE_URL',
  'DATABASE_PASSWORD',
  'DATABASE_SCHEMA',
  'DYNAMODB_TABLE',
  'CHAT_TOKEN_SECRET_ARN',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_KEY_PREFIX',
  'NODE_ID',
  'WORKERS',
  'TRUSTED_PROXIES',
  'CHAT_RATE_LIMITS',
  'CHAT_GUEST_IDLE_HOURS',
  'CHAT_HEARTBEAT_SECONDS',
  'CHAT_PRESENCE_MAX_ROOM_MEMBERS',
  'CHAT_ADMINS',
  'DATABASE_QUERY_TIMEOUT_MS',
  ...FILES_ENVIRONMENT,
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
  // The management listener (@connections, @channels, /metrics) is apart from the public port.
  const managementPort = readInteger(
    'the management port',
    '--management-port or MANAGEMENT_PORT',
    flags['management-port'] ?? env.MANAGEMENT_PORT ?? (port === 0 ? '0' : '8081'),
    0,
    65_535,
  );
  const workers = readInteger(
    'the number of workers',
    '--workers or WORKERS',
    flags.workers ?? env.WORKERS ?? '1',
    1,
    1024,
  );
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const databasePassword = nonEmpty(env.DATABASE_PASSWORD);
  const dynamoDbTable = nonEmpty(env.DYNAMODB_TABLE);
  const redisUrl = nonEmpty(env.REDIS_URL);
  const redisPassword = nonEmpty(env.REDIS_PASSWORD);
  const redisKeyPrefix = nonEmpty(env.REDIS_KEY_PREFIX);
  const tokenSecret = nonEmpty(env.CHAT_TOKEN_SECRET);
  const tokenSecretArn = nonEmpty(env.CHAT_TOKEN_SECRET_ARN);
  const schema = nonEmpty(env.DATABASE_SCHEMA);
  const trustedProxies = nonEmpty(env.TRUSTED_PROXIES)
    ?.split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const rateLimitsText = nonEmpty(env.CHAT_RATE_LIMITS);
  const queryTimeoutText = nonEmpty(env.DATABASE_QUERY_TIMEOUT_MS);
  if (queryTimeoutText !== undefined && databaseUrl === undefined) {
    fail('DATABASE_QUERY_TIMEOUT_MS is set but DATABASE_URL is not: the timeout applies to PostgreSQL only.');
  }
  const queryTimeoutMs =
    queryTimeoutText === undefined
      ? undefined
      : readInteger('the statement timeout', 'DATABASE_QUERY_TIMEOUT_MS', queryTimeoutText, 100, 60_000);
  const guestIdleHoursText = nonEmpty(env.CHAT_GUEST_IDLE_HOURS);
  const guestIdleHours =
    guestIdleHoursText === undefined
      ? undefined
      : readInteger('the guest idle time in hours', 'CHAT_GUEST_IDLE_HOURS', guestIdleHoursText, 1, 8760);
  const serverAdmins = serverAdminNames(env.CHAT_ADMINS);
  const heartbeatText = nonEmpty(env.CHAT_HEARTBEAT_SECONDS);
  // Clients must ping well within the gateway's 10-minute idle timeout.
  const heartbeatSeconds =
    heartbeatText === undefined
      ? undefined
      : readInteger('the heartbeat interval in seconds', 'CHAT_HEARTBEAT_SECONDS', heartbeatText, 1, 300);
  const presenceText = nonEmpty(env.CHAT_PRESENCE_MAX_ROOM_MEMBERS);
  const presenceMaxRoomMembers =
    presenceText === undefined
      ? undefined
      : readInteger(
          'the largest room that hears presence',
          'CHAT_PRESENCE_MAX_ROOM_MEMBERS',
          presenceText,
          0,
          1_000_000,
        );

  if (databaseUrl !== undefined) checkUrl('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']);
  if (redisUrl !== undefined) checkUrl('REDIS_URL', redisUrl, ['redis:', 'rediss:']);
  if (databaseUrl !== undefined && dynamoDbTable !== undefined) {
    fail('DATABASE_URL and DYNAMODB_TABLE are both set: choose one database.');
  }
  // DynamoDB's rule for table names (CreateTable, TableName).
  if (dynamoDbTable !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(dynamoDbTable)) {
    fail(`DYNAMODB_TABLE must be 3 to 255 characters from A-Z a-z 0-9 _ . -, got ${JSON.stringify(dynamoDbTable)}.`);
  }
  if (tokenSecret !== undefined && tokenSecretArn !== undefined) {
    fail('CHAT_TOKEN_SECRET and CHAT_TOKEN_SECRET_ARN are both set: choose one source of the token key.');
  }
  if (
    tokenSecretArn !== undefined &&
    !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(tokenSecretArn)
  ) {
    fail(
      `CHAT_TOKEN_SECRET_ARN must be a Secrets Manager secret ARN (arn:aws:secretsmanager:...), got ${JSON.stringify(tokenSecretArn)}.`,
    );
  }
  if (databasePassword !== undefined && databaseUrl === undefined) {
    fail('DATABASE_PASSWORD is set but DATABASE_URL is not: the password is for PostgreSQL.');
  }
  if (schema !== undefined && databaseUrl === undefined) {
    fail('DATABASE_SCHEMA is set but DATABASE_URL is not: the schema applies to PostgreSQL only.');
  }
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    fail(`DATABASE_SCHEMA must be lower-case letters, digits and "_" (up to 63), got ${JSON.stringify(schema)}.`);
  }
  if (trustedProxies !== undefined) {
    try {
      new TrustedProxies(trustedProxies);
    } catch (error) {
      fail(`TRUSTED_PROXIES: ${(error as Error).message} Use addresses or CIDR ranges separated by commas.`);
    }
  }
  let rateLimits: RateLimitOverrides | undefined;
  if (rateLimitsText !== undefined) {
    try {
      rateLimits = parseRateLimits(rateLimitsText, 'CHAT_RATE_LIMITS');
    } catch (error) {
      fail((error as Error).message);
    }
  }
  if (tokenSecret !== undefined && tokenSecret.length < SECRET_MIN_LENGTH) {
    fail(`CHAT_TOKEN_SECRET must be at least ${SECRET_MIN_LENGTH} characters.`);
  }
  const sharedDatabase = databaseUrl !== undefined || dynamoDbTable !== undefined;
  if (redisUrl !== undefined) {
    // Nodes of one cluster share accounts and rooms, so they need one database, and
    // a token issued by one node must verify on every other.
    if (!sharedDatabase) {
      fail(
        'REDIS_URL is set but DATABASE_URL is not (nor DYNAMODB_TABLE): cluster nodes must share one database, PostgreSQL or DynamoDB.',
      );
    }
    if (tokenSecret === undefined && tokenSecretArn === undefined) {
      fail(
        'REDIS_URL is set but CHAT_TOKEN_SECRET is not (nor CHAT_TOKEN_SECRET_ARN): every node of a cluster must sign tokens with the same secret (at least 32 characters).',
      );
    }
    if (redisKeyPrefix !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(redisKeyPrefix)) {
      fail(
        `REDIS_KEY_PREFIX must be 1 to 64 characters from A-Z a-z 0-9 _ . -, got ${JSON.stringify(redisKeyPrefix)}.`,
      );
    }
    if (env.NODE_ID && !/^[A-Za-z0-9_.-]{1,60}$/.test(env.NODE_ID)) {
      fail(`NODE_ID must be 1 to 60 characters from A-Z a-z 0-9 _ . -, got ${JSON.stringify(env.NODE_ID)}.`);
    }
  } else {
    for (const name of ['NODE_ID', 'REDIS_PASSWORD', 'REDIS_KEY_PREFIX'] as const) {
      if (nonEmpty(env[name]) !== undefined)
        fail(`${name} is set but REDIS_URL is not: it only applies to a cluster node.`);
    }
  }
  if (workers > 1 && (redisUrl === undefined || !sharedDatabase)) {
    const missing = [
      !sharedDatabase && 'DATABASE_URL (or DYNAMODB_TABLE)',
      redisUrl === undefined && 'REDIS_URL',
    ].filter(Boolean);
    fail(
      `--workers ${workers} needs ${missing.join(' and ')}: each worker is a cluster node, and nodes share the database and Redis.`,
    );
  }

  let files: ReturnType<typeof readFilesConfig>;
  try {
    files = readFilesConfig(env, cwd);
  } catch (error) {
    fail((error as Error).message);
  }

  const server: ChatServerOptions = {
    ...(files !== undefined && { files }),
    port,
    host: flags.host ?? nonEmpty(env.HOST) ?? '127.0.0.1',
    managementPort,
    dataDir: resolve(cwd, flags['data-dir'] ?? nonEmpty(env.DATA_DIR) ?? 'data'),
    ...(tokenSecret !== undefined && { tokenSecret }),
    ...(tokenSecretArn !== undefined && { tokenSecretArn }),
    ...(trustedProxies !== undefined && { trustedProxies }),
    ...(rateLimits !== undefined && { rateLimits }),
    ...(guestIdleHours !== undefined && { guestIdleMs: guestIdleHours * 3_600_000 }),
    ...(heartbeatSeconds !== undefined && { heartbeatIntervalMs: heartbeatSeconds * 1000 }),
    ...(presenceMaxRoomMembers !== undefined && { presenceMaxRoomMembers }),
    ...(serverAdmins.length > 0 && { serverAdmins }),
    ...(databaseUrl !== undefined && {
      database: {
        url: databasePassword === undefined ? databaseUrl : withPassword(databaseUrl, databasePassword),
        ...(schema !== undefined && { schema }),
        ...(queryTimeoutMs !== undefined && { queryTimeoutMs }),
      },
    }),
    ...(dynamoDbTable !== undefined && { dynamodb: { tableName: dynamoDbTable } }),
    ...(redisUrl !== undefined && {
      cluster: {
        redisUrl: redisPassword === undefined ? redisUrl : withPassword(redisUrl, redisPassword),
        ...(nonEmpty(env.NODE_ID) !== undefined && { nodeId: nonEmpty(env.NODE_ID) }),
        ...(redisKeyPrefix !== undefined && { keyPrefix: redisKeyPrefix }),
      },
    }),
  };
  return { workers, server };
}

/**
 * DATABASE_URL with DATABASE_PASSWORD, REDIS_URL with REDIS_PASSWORD: a secret
 * injected on its own (from Secrets Manager, by ECS) next to a URL that is not secret.
 */
function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.href;
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
