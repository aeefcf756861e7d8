/** What every scenario gets and returns, plus the start-use-stop helper they share. */
import { LoadGenerator } from '../load/load-generator.ts';
import type { ClientTarget } from '../load/ws-client.ts';
import { machineInfo, type ResultRow, type ScenarioResult } from '../report/result.ts';
import { type HarnessedServerName, SERVERS, type ServerName } from '../servers/catalog.ts';
import { BENCH_TOKEN, type ServerOptions } from '../servers/protocol.ts';
import { ServerProcess } from '../servers/server-process.ts';

export interface ScenarioOptions {
  /** CI smoke size: a few hundred connections, a second or two per server. */
  quick: boolean;
  /** Servers to run, Switchboard first. */
  servers: ServerName[];
  log: (line: string) => void;
}

export interface Scenario {
  name: string;
  number: number;
  title: string;
  run(options: ScenarioOptions): Promise<ScenarioResult>;
}

export type PartialResult = Omit<ScenarioResult, 'startedAt' | 'durationMs' | 'machine' | 'quick'>;

/** Runs a scenario body and stamps the result with timing and the machine. */
export async function timed(options: ScenarioOptions, body: () => Promise<PartialResult>): Promise<ScenarioResult> {
  const startedAt = new Date();
  const result = await body();
  return {
    ...result,
    quick: options.quick,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    machine: machineInfo(),
  };
}

export interface Harness {
  server: ServerProcess;
  load: LoadGenerator;
  target: ClientTarget;
}

/**
 * Starts `name` and a load generator sized for `connections`, runs `use`, and
 * stops both whatever happens. A server that cannot run gives an unavailable row.
 */
export async function withServer(
  name: HarnessedServerName,
  caseLabel: string,
  serverOptions: Partial<ServerOptions>,
  connections: number,
  use: (harness: Harness) => Promise<{ metrics: Record<string, number>; note?: string }>,
): Promise<ResultRow> {
  const label = SERVERS[name].label;
  const server = await ServerProcess.start(name, serverOptions);
  if (typeof server === 'string')
    return { case: caseLabel, server: name, label, available: false, metrics: {}, note: server };
  const load = await LoadGenerator.start(connections);
  try {
    const target = serverOptions.auth ? withToken(server.target) : server.target;
    const { metrics, note } = await use({ server, load, target });
    return { case: caseLabel, server: name, label, available: true, metrics, ...(note ? { note } : {}) };
  } finally {
    await load.stop();
    await server.stop();
  }
}

/** Connects `count` clients and fails loudly when not all of them made it. */
export async function connectAll(harness: Harness, count: number, concurrency?: number): Promise<number> {
  const result = await harness.load.connect(harness.target, count, concurrency);
  if (result.opened !== count)
    throw new Error(
      `${harness.server.name}: ${result.opened} of ${count} connections opened (first error: ${result.firstError})`,
    );
  return result.elapsedMs;
}

export function withToken(target: ClientTarget): ClientTarget {
  return { ...target, headers: { ...target.headers, Authorization: `Bearer ${BENCH_TOKEN}` } };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The row of a server whose run failed: not available, with the error as the reason. */
export function unavailableRow(caseLabel: string, server: string, label: string, error: unknown): ResultRow {
  return {
    case: caseLabel,
    server,
    label,
    available: false,
    metrics: {},
    note: error instanceof Error ? error.message : String(error),
  };
}
