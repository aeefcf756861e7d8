/**
 * `npm start`: runs the chat server until SIGINT or SIGTERM.
 *
 * Configuration (src/config.ts), flags first, then environment variables, then defaults:
 *   --port <n>        PORT               8080
 *   --host <addr>     HOST               127.0.0.1
 *   --management-port MANAGEMENT_PORT    8081 (0 with port 0): @connections, @channels, /metrics on 127.0.0.1
 *   --data-dir <dir>  DATA_DIR           ./data
 *   --workers <n>     WORKERS            1: processes on this machine, one cluster node each
 *                     CHAT_TOKEN_SECRET  generated and kept in the data directory (required in a cluster)
 *                     CHAT_TOKEN_SECRET_ARN  instead: rotated token keys from Secrets Manager
 *                     DATABASE_URL       PostgreSQL instead of SQLite (DATABASE_SCHEMA: its schema)
 *                     DYNAMODB_TABLE     DynamoDB instead of SQLite (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, credentials as the AWS SDK reads them)
 *                     REDIS_URL          join a cluster over Redis (NODE_ID: this node's name; REDIS_PASSWORD, REDIS_KEY_PREFIX)
 *                     OTEL_EXPORTER_OTLP_ENDPOINT  export OpenTelemetry spans over OTLP/HTTP (docs/operations.md)
 *
 * With nothing set it is the embedded chat: SQLite in ./data, one process.
 * SIGTERM drains: no new connections, open ones closed with 1001 so clients
 * reconnect (to another node), running handlers finish, then the store closes.
 */
import { parseArgs } from 'node:util';
import { runWorkers, startOtlpTracing } from '@switchboard/gateway';
import { type ChatFlags, readChatConfig } from './config.ts';
import { type ChatServer, type ChatServerOptions, startChatServer } from './server.ts';
import { ChatServerError } from './server-error.ts';

const USAGE = `Usage: npm start -- [--port <n>] [--host <address>] [--management-port <n>] [--data-dir <dir>] [--workers <n>]

The management listener (@connections, @channels, /metrics) is on 127.0.0.1,
port --management-port (default 8081).

Environment: PORT, HOST, MANAGEMENT_PORT, DATA_DIR, CHAT_TOKEN_SECRET (at least 32 characters)
or CHAT_TOKEN_SECRET_ARN (Secrets Manager), DATABASE_URL (postgres://...), DATABASE_SCHEMA,
DYNAMODB_TABLE, REDIS_URL (redis://... or rediss://...), REDIS_PASSWORD, REDIS_KEY_PREFIX, NODE_ID, WORKERS.
A cluster (REDIS_URL) needs DATABASE_URL or DYNAMODB_TABLE, and CHAT_TOKEN_SECRET or CHAT_TOKEN_SECRET_ARN;
--workers above 1 needs a cluster.`;

/** `service.name` of the spans, unless OTEL_SERVICE_NAME says otherwise. */
const SERVICE_NAME = 'switchboard-chat';

function fail(message: string): never {
  process.stderr.write(`chat: ${message}\n`);
  process.exit(1);
}

let flags: ChatFlags & { help?: boolean };
try {
  flags = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'management-port': { type: 'string' },
      'data-dir': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

let config: ReturnType<typeof readChatConfig>;
try {
  config = readChatConfig(flags, process.env);
} catch (error) {
  if (error instanceof ChatServerError) fail(error.message);
  throw error;
}

if (config.workers > 1) {
  // The primary only supervises; each worker is a node (with its own node id) and
  // drains itself when the primary passes on SIGTERM.
  await runWorkers(config.workers, async (worker) => {
    const tracing = await startOtlpTracing(SERVICE_NAME);
    const server = await startChatServer({ ...workerOptions(config.server, worker.id), tracer: tracing?.tracer });
    announce(server, ` (worker ${worker.id}, pid ${process.pid})`);
    return { close: () => server.close().finally(() => tracing?.shutdown()) };
  }).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
} else {
  let server: ChatServer;
  const tracing = await startOtlpTracing(SERVICE_NAME);
  try {
    server = await startChatServer({ ...config.server, tracer: tracing?.tracer });
  } catch (error) {
    if (error instanceof ChatServerError || error instanceof TypeError) fail(error.message);
    throw error;
  }
  announce(server);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`chat: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write('Stopping: closing connections and the database...\n');
    server
      .close()
      .finally(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => fail(`closing failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function announce(server: ChatServer, who = ''): void {
  process.stdout.write(
    `Switchboard chat is running at ${server.url} (WebSocket API: ${server.webSocketUrl}; management: ${server.managementUrl})${who}\n`,
  );
}

/** Every worker is a cluster node of its own and needs its own name. */
function workerOptions(options: ChatServerOptions, id: number): ChatServerOptions {
  if (!options.cluster?.nodeId) return options;
  return { ...options, cluster: { ...options.cluster, nodeId: `${options.cluster.nodeId}-${id}` } };
}
