/**
 * What the developer page shows of the stage's traffic: the last events in a
 * ring buffer of fixed size (connects, messages and their route, status and
 * integration latency and body, disconnects with their code and reason) and per-route
 * counts. Fed from the same calls as the access log, so the page shows what the
 * access log would say. Memory is bounded whatever clients do: `capacity`
 * events, one counter per route of the definition, and every string cut to
 * `MAX_TEXT_LENGTH` characters.
 */
import type { EventType, RequestContext } from '../events.ts';

/** One line of the event list. Strings may come from clients: whoever shows them must escape them. */
export interface DeveloperEvent {
  /** Increases by one per event, so a poller asks only for what is new. */
  seq: number;
  /** Epoch milliseconds, when the gateway received the event. */
  time: number;
  type: EventType;
  connectionId: string;
  routeKey: string;
  requestId: string;
  /** What the gateway answered: 200, a refused handshake's status, an error frame's. */
  status: number | undefined;
  /** What the integration returned (its `statusCode`). */
  integrationStatus: number | undefined;
  integrationLatencyMs: number | undefined;
  error: string | undefined;
  /** A message's body, its first `MAX_TEXT_LENGTH` characters. */
  body: string | undefined;
  /** The authorizer's principal, on an accepted CONNECT. */
  principalId: string | undefined;
  disconnectStatusCode: number | undefined;
  disconnectReason: string | undefined;
}

export interface RouteActivity {
  routeKey: string;
  /** Events routed here: connects, messages, disconnects. */
  requests: number;
  /** Those answered with a status of 400 or more, or whose integration returned 5xx. */
  errors: number;
  /** Mean integration latency over the requests that reached the integration; null before any. */
  meanLatencyMs: number | null;
}

export interface DeveloperActivityOptions {
  /** The stage's route keys, `$connect` and `$disconnect` included or not. */
  routeKeys: readonly string[];
  /**
   * Events kept; older ones are dropped.
   * @default 500
   */
  capacity?: number;
}

/** Client-controlled text (a close reason, a user agent, an error) kept at most this long. */
export const MAX_TEXT_LENGTH = 1024;

interface RouteCounts {
  requests: number;
  errors: number;
  latencyTotalMs: number;
  latencyCount: number;
}

type Extras = Record<string, string | number | undefined>;

export class DeveloperActivity {
  readonly #capacity: number;
  readonly #slots: (DeveloperEvent | undefined)[];
  readonly #routes = new Map<string, RouteCounts>();
  #lastSeq = 0;

  constructor({ routeKeys, capacity = 500 }: DeveloperActivityOptions) {
    this.#capacity = capacity;
    this.#slots = new Array(capacity).fill(undefined);
    // Every event's route is one of these: a message without a matching route counts as `$default`.
    for (const key of new Set(['$connect', ...routeKeys, '$default', '$disconnect'])) {
      this.#routes.set(key, { requests: 0, errors: 0, latencyTotalMs: 0, latencyCount: 0 });
    }
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** One access-log line's worth: the event's request context, what the gateway added, a message's body. */
  record(context: RequestContext, extras: Extras, body?: string): void {
    const status = numberOf(extras.status);
    const integrationStatus = numberOf(extras.integrationStatus);
    const integrationLatencyMs = numberOf(extras.integrationLatency);
    const seq = ++this.#lastSeq;
    this.#slots[seq % this.#capacity] = {
      seq,
      time: context.requestTimeEpoch,
      type: context.eventType,
      connectionId: context.connectionId,
      routeKey: context.routeKey,
      requestId: context.requestId,
      status,
      integrationStatus,
      integrationLatencyMs,
      error: textOf(extras['error.message']),
      body: textOf(body),
      principalId: context.eventType === 'CONNECT' ? textOf(context.authorizer?.principalId) : undefined,
      disconnectStatusCode: context.disconnectStatusCode,
      disconnectReason: textOf(context.disconnectReason),
    };
    const counts = this.#routes.get(context.routeKey);
    if (counts === undefined) return;
    counts.requests++;
    if ((status ?? 0) >= 400 || (integrationStatus ?? 0) >= 500) counts.errors++;
    if (integrationLatencyMs !== undefined) {
      counts.latencyTotalMs += integrationLatencyMs;
      counts.latencyCount++;
    }
  }

  /** The events after `seq` still kept, oldest first. */
  eventsAfter(seq: number): DeveloperEvent[] {
    const events: DeveloperEvent[] = [];
    const first = Math.max(seq + 1, this.#lastSeq - this.#capacity + 1, 1);
    for (let next = first; next <= this.#lastSeq; next++) {
      const event = this.#slots[next % this.#capacity];
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  routes(): RouteActivity[] {
    return [...this.#routes].map(([routeKey, counts]) => ({
      routeKey,
      requests: counts.requests,
      errors: counts.errors,
      meanLatencyMs: counts.latencyCount === 0 ? null : Math.round(counts.latencyTotalMs / counts.latencyCount),
    }));
  }
}

function numberOf(value: string | number | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function textOf(value: string | number | undefined): string | undefined {
  return value === undefined ? undefined : String(value).slice(0, MAX_TEXT_LENGTH);
}
