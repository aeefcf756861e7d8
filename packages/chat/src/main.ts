/**
 * `npm start`: runs the chat server until SIGINT or SIGTERM.
 *
 * Configuration, flags first, then environment variables, then defaults:
 *   --port <n>        PORT               8080
 *   --host <addr>     HOST               127.0.0.1
 *   --data-dir <dir>  DATA_DIR           ./data
 *                     CHAT_TOKEN_SECRET  generated and kept in the data directory
 *
 * A relative data directory is taken from where the command was typed: npm runs
 * workspace scripts in the package's folder but passes the caller's in INIT_CWD,
 * so `npm start` at the repository root keeps its data in `./data` there.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ChatServer, startChatServer } from './server.ts';
import { ChatServerError } from './server-error.ts';

const USAGE = `Usage: npm start -- [--port <n>] [--host <address>] [--data-dir <dir>]

Environment: PORT, HOST, DATA_DIR, CHAT_TOKEN_SECRET (at least 32 characters).`;

function fail(message: string): never {
  process.stderr.write(`chat: ${message}\n`);
  process.exit(1);
}

let flags: { port?: string; host?: string; 'data-dir'?: string; help?: boolean };
try {
  flags = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
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

const portText = flags.port ?? process.env.PORT ?? '8080';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65_535) fail(`the port must be a number from 0 to 65535, got "${portText}"`);

let server: ChatServer;
try {
  server = await startChatServer({
    port,
    host: flags.host ?? process.env.HOST ?? '127.0.0.1',
    dataDir: resolve(process.env.INIT_CWD ?? process.cwd(), flags['data-dir'] ?? process.env.DATA_DIR ?? 'data'),
    tokenSecret: process.env.CHAT_TOKEN_SECRET || undefined,
  });
} catch (error) {
  if (error instanceof ChatServerError || error instanceof TypeError) fail(error.message);
  throw error;
}

process.stdout.write(`Switchboard chat is running at ${server.url} (WebSocket API: ${server.webSocketUrl})\n`);

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) {
    process.stderr.write(`chat: ${signal} again, exiting without waiting\n`);
    process.exit(1);
  }
  stopping = true;
  process.stdout.write('Stopping: closing connections and the database...\n');
  server.close().then(
    () => process.exit(0),
    (error: unknown) => fail(`closing failed: ${error instanceof Error ? error.message : String(error)}`),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
