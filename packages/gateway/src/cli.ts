/**
 * The `switchboard` command line. Exit codes: 0 success, 1 a config, handler or
 * server error (the message names the file, line and problem), 2 a usage error.
 */
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { loadConfigFile } from './config/load.ts';
import type { Gateway } from './gateway.ts';

export const ExitCode = {
  ok: 0,
  /** The config, a handler module or the server failed. */
  failure: 1,
  /** Unknown command, unknown option or bad option value. */
  usage: 2,
} as const;

export interface CliStreams {
  /** @default process.stdout */
  stdout?: Writable;
  /** @default process.stderr */
  stderr?: Writable;
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 3001;

export const HELP = `Usage: switchboard <command> [options]

A WebSocket gateway that behaves like AWS API Gateway WebSocket APIs:
your Lambda-style handlers and the AWS SDK's @connections calls run unchanged.

Commands:
  serve <config>   Load the config file and serve its routes until Ctrl+C.
  help             Show this help.

Options for serve:
  -p, --port <n>   Port to listen on, 0 to 65535 (0 picks a free port). Default ${DEFAULT_PORT}.
  -H, --host <h>   Address to listen on. Default ${DEFAULT_HOST}.
  --redis-url <u>  Run as one node of a cluster over this Redis (redis://host:port):
                   @connections and channels then work across all nodes.
  -w, --workers <n>
                   Processes on this machine sharing the port, one cluster node
                   each (one per core). Above 1 needs --redis-url. Default 1.
  -h, --help       Show this help.

Environment variables:
  SWITCHBOARD_PORT   Port when --port is not given.
  SWITCHBOARD_HOST   Host when --host is not given.
  REDIS_URL          Redis URL when --redis-url is not given.

Config file (.yaml, .yml, .json, or a .js/.mjs/.cjs/.ts/.mts module exporting
the definition as default or "definition"; handler paths are relative to it):

  stage: dev
  routeSelectionExpression: $request.body.action
  routes:
    $connect:    { handler: handlers.mjs#connect }
    $default:    { handler: handlers.mjs#echo, routeResponse: true }
    sendmessage: { handler: handlers.mjs#send }

The full format (models, authorizer, throttling, limits, access logs,
@connections access) is described in docs/gateway.md.

Exit codes: 0 success, 1 config or server error, 2 usage error.
`;

/**
 * Runs the CLI. Resolves to the exit code, or to undefined while `serve` keeps
 * serving (it then exits 0 on SIGINT or SIGTERM once the gateway has closed).
 *
 * @example
 * process.exitCode = (await runCli(process.argv.slice(2))) ?? process.exitCode;
 */
export async function runCli(args: string[], streams: CliStreams = {}): Promise<number | undefined> {
  const stdout = streams.stdout ?? process.stdout;
  const stderr = streams.stderr ?? process.stderr;
  const usageError = (problem: string): number => {
    stderr.write(`switchboard: ${problem}\nRun "switchboard --help" for usage.\n`);
    return ExitCode.usage;
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    stdout.write(HELP);
    return ExitCode.ok;
  }
  if (command === undefined) return usageError('no command given');
  if (command !== 'serve') return usageError(`unknown command "${command}"`);
  const [config, ...extra] = rest;
  if (config === undefined) return usageError('serve needs a config file: switchboard serve <config>');
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}"`);
  const portText = values.port ?? process.env.SWITCHBOARD_PORT;
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText);
  if (port === undefined) return usageError(`invalid port "${portText}": use an integer from 0 to 65535`);
  const host = values.host ?? process.env.SWITCHBOARD_HOST ?? DEFAULT_HOST;
  const workers = values.workers === undefined ? 1 : parseWorkers(values.workers);
  if (workers === undefined)
    return usageError(`invalid worker count "${values.workers}": use an integer from 1 to 256`);
  const redisUrl = values['redis-url'] || process.env.REDIS_URL || undefined;
  if (workers > 1 && redisUrl === undefined) {
    return usageError('--workers above 1 needs --redis-url or REDIS_URL: the workers form a cluster over Redis');
  }
  const options: ServeOptions = { port, host, ...(redisUrl !== undefined && { cluster: { redisUrl } }) };
  try {
    if (workers > 1) {
      const { runWorkers } = await import('./cluster/workers.ts');
      await runWorkers(workers, ({ id }) => startNode(config, options, stdout, ` (worker ${id}, pid ${process.pid})`));
    } else {
      await serve(config, options, stdout, stderr);
    }
    return undefined;
  } catch (error) {
    // ConfigError and HandlerLoadError messages already name the file, line and problem;
    // other failures (a port in use) are reported the same way.
    stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.failure;
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string', short: 'H' },
      'redis-url': { type: 'string' },
      workers: { type: 'string', short: 'w' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function parseWorkers(text: string): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const count = Number(text);
  return count >= 1 && count <= 256 ? count : undefined;
}

interface ServeOptions {
  port: number;
  host: string;
  cluster?: { redisUrl: string };
}

/** Loads the config and starts one gateway (one node, in cluster mode). */
async function startNode(config: string, options: ServeOptions, stdout: Writable, who = ''): Promise<Gateway> {
  const { definition, baseDir } = await loadConfigFile(resolve(invocationDirectory(), config));
  // Loaded here, not at the top, so help and usage errors answer without loading the server.
  const { createGateway } = await import('./gateway.ts');
  const gateway = await createGateway(definition, { ...options, baseDir });
  const { url, managementUrl } = await gateway.listen();
  const node = gateway.cluster ? `  Cluster node:  ${gateway.cluster.nodeId}\n` : '';
  stdout.write(
    `switchboard: serving ${config}${who}\n  WebSocket:     ${url}\n  @connections:  ${managementUrl}\n${node}Press Ctrl+C to stop.\n`,
  );
  return gateway;
}

async function serve(config: string, options: ServeOptions, stdout: Writable, stderr: Writable): Promise<void> {
  const gateway = await startNode(config, options, stdout);
  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    gateway.close().then(
      () => process.exit(ExitCode.ok),
      (error: unknown) => {
        stderr.write(`switchboard: closing failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(ExitCode.failure);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * Where the user typed the command: `npx switchboard` runs in the nearest package's
 * folder, not the user's, and tells the original one in INIT_CWD.
 */
function invocationDirectory(): string {
  return process.env.npm_command === 'exec' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
}
