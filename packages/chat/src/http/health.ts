/**
 * Probes for load balancers and orchestrators, in front of the chat's other
 * HTTP paths:
 *
 * - `GET /healthz` (liveness): 200 while the process serves HTTP at all. It
 *   checks no dependency, so an outage of the database does not get every node
 *   restarted at once.
 * - `GET /readyz` (readiness): 200 only when every dependency answers within
 *   the probe timeout; otherwise 503 with a JSON body naming what is down, so a
 *   load balancer sends new clients to nodes that can serve them. While the node
 *   shuts down it answers 503 `draining`.
 *
 *   200 {"status":"ready","checks":{"store":"up","redis":"up"}}
 *   503 {"status":"unavailable","down":["store"],"checks":{"store":"down","redis":"up"}}
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './send-json.ts';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

/** One dependency: `check` resolves when it answers, rejects (or outlasts the timeout) when it does not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<unknown>;
}

export interface HealthEndpointsOptions {
  checks: readonly ReadinessCheck[];
  /** `true` once shutdown began: readiness answers 503 `draining`. */
  draining(): boolean;
  /** How long one check may take before it counts as down. @default 2000 */
  timeoutMs?: number;
}

export type CheckState = 'up' | 'down';

export interface Readiness {
  status: 'ready' | 'unavailable' | 'draining';
  /** The checks that failed, in the order given. */
  down: string[];
  checks: Record<string, CheckState>;
}

/**
 * Answers the probe paths and passes every other request to `next`.
 * @example
 * const handler = withHealthEndpoints(chatHandler, { checks: [{ name: 'store', check: ping }], draining: () => false });
 */
export function withHealthEndpoints(
  next: (request: IncomingMessage, response: ServerResponse) => void,
  options: HealthEndpointsOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== HEALTH_PATH && path !== READY_PATH) {
      next(request, response);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: 'GET, HEAD' });
      return;
    }
    if (path === HEALTH_PATH) {
      sendJson(response, 200, { status: 'ok' });
      return;
    }
    void checkReadiness(options).then((readiness) =>
      sendJson(response, readiness.status === 'ready' ? 200 : 503, readiness),
    );
  };
}

/** Runs every check at once, each bounded by the timeout. */
export async function checkReadiness(options: HealthEndpointsOptions): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const states = await Promise.all(options.checks.map((probe) => runCheck(probe, timeoutMs)));
  const checks = Object.fromEntries(options.checks.map((probe, i) => [probe.name, states[i]!]));
  const down = options.checks.filter((_, i) => states[i] === 'down').map((probe) => probe.name);
  const status = options.draining() ? 'draining' : down.length > 0 ? 'unavailable' : 'ready';
  return { status, down, checks };
}

async function runCheck(probe: ReadinessCheck, timeoutMs: number): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckState>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([
      probe.check().then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
