/**
 * The `switchboard` command line. Exit codes: 0 success, 1 a config, handler or
 * server error (the message names the file, line and problem), 2 a usage error.
 */
import { relative, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { APP_CLI_HELP, APP_CLI_OPTIONS, readAppOptions } from './app-definition/app-cli-options.ts';
import type { PreparedApp, ServeAppOptions } from './app-definition/serve-app.ts';
import { AppKind } from './app-definition/served-app.ts';
import type { GatewayDefinition } from './definition.ts';
import type { Gateway } from './gateway.ts';
import type { HotReload } from './hot-reload/hot-reload.ts';
import type { OtlpTracing } from './observability/otlp-tracing.ts';
import { ACCOUNT_THROTTLING } from './settings.ts';
import { STOP_SIGNALS } from './stop-signals.ts';

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
/** The management listener's port when none is given: the next one, as admin ports go (0 with --port 0). */
const DEFAULT_MANAGEMENT_PORT = 3002;

export const HELP = `Usage: switchboard <command> [options]

A WebSocket gateway that behaves like AWS API Gateway WebSocket APIs:
your Lambda-style handlers and the AWS SDK's @connections calls run unchanged.

Commands:
  serve <file>     Serve an app until Ctrl+C. The file is a Switchboard config,
                   a SAM or CloudFormation template, a CDK app (its folder,
                   cdk.json or cdk.out) or a serverless.yml.
  help             Show this help.

Options for serve:
  -p, --port <n>   Port to listen on, 0 to 65535 (0 picks a free port). Default ${DEFAULT_PORT}.
  -H, --host <h>   Address to listen on. Default ${DEFAULT_HOST}.
  --management-port <n>
                   Port of the management listener (@connections, @channels,
                   /metrics). Default ${DEFAULT_MANAGEMENT_PORT}, or 0 with --port 0.
  --management-host <h>
                   Its address. Default ${DEFAULT_HOST}; any other needs
                   management.access: signed in the config.
  --redis-url <u>  Run as one node of a cluster over this Redis (redis://host:port):
                   @connections and channels then work across all nodes.
  -w, --workers <n>
                   Processes on this machine sharing the port, one cluster node
                   each (one per core). Above 1 needs --redis-url. Default 1.
  --no-watch       Do not reload handlers when their files change (hot reload
                   is on with one process, off with --workers; --watch forces it).
  -h, --help       Show this help.

${APP_CLI_HELP}
Environment variables:
  SWITCHBOARD_PORT   Port when --port is not given.
  SWITCHBOARD_HOST   Host when --host is not given.
  SWITCHBOARD_MANAGEMENT_PORT, SWITCHBOARD_MANAGEMENT_HOST
                     The management listener's, when the flags are not given.
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
@connections access) is described in docs/gateway.md; what is read from
templates, CDK apps and serverless.yml in its "Run your AWS app locally".

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
  if (config === undefined) return usageError('serve needs a file: switchboard serve <file>');
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}"`);
  const portText = values.port ?? process.env.SWITCHBOARD_PORT;
  const port = portText === undefined ? DEFAULT_PORT : parsePort(portText);
  if (port === undefined) return usageError(`invalid port "${portText}": use an integer from 0 to 65535`);
  const host = values.host ?? process.env.SWITCHBOARD_HOST ?? DEFAULT_HOST;
  const managementPortText = values['management-port'] ?? process.env.SWITCHBOARD_MANAGEMENT_PORT;
  const managementPort =
    managementPortText === undefined ? (port === 0 ? 0 : DEFAULT_MANAGEMENT_PORT) : parsePort(managementPortText);
  if (managementPort === undefined) {
    return usageError(`invalid management port "${managementPortText}": use an integer from 0 to 65535`);
  }
  const managementHost = values['management-host'] ?? process.env.SWITCHBOARD_MANAGEMENT_HOST ?? DEFAULT_HOST;
  const workers = values.workers === undefined ? 1 : parseWorkers(values.workers);
  if (workers === undefined)
    return usageError(`invalid worker count "${values.workers}": use an integer from 1 to 256`);
  const redisUrl = values['redis-url'] || process.env.REDIS_URL || undefined;
  if (workers > 1 && redisUrl === undefined) {
    return usageError('--workers above 1 needs --redis-url or REDIS_URL: the workers form a cluster over Redis');
  }
  let app: ServeAppOptions;
  try {
    app = readAppOptions(values);
  } catch (error) {
    return usageError((error as Error).message);
  }
  const options: ServeOptions = {
    port,
    host,
    management: { port: managementPort, host: managementHost },
    app,
    // A local dev tool reloads by default; several processes form a cluster, which is how production runs.
    watch: values.watch ?? workers === 1,
    ...(redisUrl !== undefined && { cluster: { redisUrl } }),
  };
  try {
    if (workers > 1) {
      const { runWorkers } = await import('./cluster/workers.ts');
      await runWorkers(workers, ({ id }) =>
        startNode(config, options, { stdout, stderr }, ` (worker ${id}, pid ${process.pid})`),
      );
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
    allowNegative: true,
    strict: true,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string', short: 'H' },
      'management-port': { type: 'string' },
      'management-host': { type: 'string' },
      'redis-url': { type: 'string' },
      workers: { type: 'string', short: 'w' },
      watch: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...APP_CLI_OPTIONS,
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
  management: { port: number; host: string };
  app: ServeAppOptions;
  /** Hot reload: handlers load anew when their files change. */
  watch: boolean;
  cluster?: { redisUrl: string };
}

/**
 * What `serve` adds to a definition: as on AWS, a stage without throttling settings
 * gets the account's (burst 5000, 10000 per second); `throttling: false` keeps it off.
 */
export function withServeDefaults(definition: GatewayDefinition): GatewayDefinition {
  return definition.throttling === undefined ? { ...definition, throttling: ACCOUNT_THROTTLING } : definition;
}

/** Reads the app, starts its local services and one gateway (one node, in cluster mode). */
async function startNode(
  config: string,
  options: ServeOptions,
  { stdout, stderr }: Required<CliStreams>,
  who = '',
): Promise<{ close(): Promise<void> }> {
  const { app: appOptions, watch, ...gatewayOptions } = options;
  // Loaded here, not at the top, so help and usage errors answer without loading the readers or the server.
  const { prepareApp } = await import('./app-definition/serve-app.ts');
  const prepared = await prepareApp(resolve(invocationDirectory(), config), appOptions, who !== '');
  let tracing: OtlpTracing | undefined;
  try {
    // Spans only when OTEL_EXPORTER_OTLP_ENDPOINT names a collector (docs/operations.md, "Tracing").
    const { startOtlpTracing } = await import('./observability/otlp-tracing.ts');
    tracing = await startOtlpTracing('switchboard-gateway');
    const { createGateway } = await import('./gateway.ts');
    const gateway = await createGateway(withServeDefaults(prepared.definition), {
      ...gatewayOptions,
      baseDir: prepared.app.baseDir,
      ...(tracing && { tracer: tracing.tracer }),
    });
    const { url, managementUrl, managementHost, managementPort, developerUrl } = await gateway.listen();
    const node = gateway.cluster ? `  Cluster node:  ${gateway.cluster.nodeId}\n` : '';
    const kind = prepared.app.kind === AppKind.config ? '' : ` (${prepared.app.kind})`;
    const services = prepared.banner.map((line) => `  ${line}\n`).join('');
    const notices = prepared.notices.map((notice) => `  Note: ${notice}\n`).join('');
    const metrics = `http://${managementHost.includes(':') ? `[${managementHost}]` : managementHost}:${managementPort}/metrics`;
    const developer = developerUrl ? `  Developer:     ${developerUrl}  (connections, events, frame console)\n` : '';
    const hotReload = watch ? await startHotReload(gateway, prepared, { stdout, stderr }) : undefined;
    const watching = hotReload
      ? `  Hot reload:    watching ${hotReload.roots.map((root) => relative(invocationDirectory(), root) || '.').join(', ')} (--no-watch to turn off)\n`
      : '';
    stdout.write(
      `switchboard: serving ${config}${kind}${who}\n  WebSocket:     ${url}\n  @connections:  ${managementUrl}  (management listener, with @channels)\n  Metrics:       ${metrics}\n${developer}${node}${services}${watching}${notices}Press Ctrl+C to stop.\n`,
    );
    return {
      close: () => {
        hotReload?.close();
        return gateway
          .close()
          .finally(() => prepared.close())
          .finally(() => tracing?.shutdown());
      },
    };
  } catch (error) {
    await prepared.close();
    await tracing?.shutdown();
    throw error;
  }
}

/** Reloads the app's handlers when their files change; reports each reload on one line. */
async function startHotReload(
  gateway: Gateway,
  prepared: PreparedApp,
  { stdout, stderr }: Required<CliStreams>,
): Promise<HotReload | undefined> {
  const { HotReload } = await import('./hot-reload/hot-reload.ts');
  return HotReload.start({
    definition: prepared.definition,
    baseDir: prepared.app.baseDir,
    reload: () => gateway.reloadFunctions(),
    report: (line, failed) => (failed ? stderr : stdout).write(`switchboard: ${line}\n`),
  });
}

async function serve(config: string, options: ServeOptions, stdout: Writable, stderr: Writable): Promise<void> {
  const gateway = await startNode(config, options, { stdout, stderr });
  const stop = (): void => {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
    process.off('disconnect', stop);
    gateway.close().then(
      () => process.exit(ExitCode.ok),
      (error: unknown) => {
        stderr.write(`switchboard: closing failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(ExitCode.failure);
      },
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  // Relaunched (relaunch-trusting.ts): the launcher went away, killed, and cannot forward a signal.
  if (process.connected) process.on('disconnect', stop);
}

/**
 * Where the user typed the command: `npx switchboard` runs in the nearest package's
 * folder, not the user's, and tells the original one in INIT_CWD.
 */
function invocationDirectory(): string {
  return process.env.npm_command === 'exec' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
}
