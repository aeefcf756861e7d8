/**
 * Prometheus metrics of one gateway, in its own registry: several gateways can share
 * a process (tests, embedded use) without mixing their counts. They cover what API
 * Gateway reports to CloudWatch (spec 8: ConnectCount, MessageCount, IntegrationError,
 * IntegrationLatency) plus what only a self-hosted gateway can see (open connections,
 * throttling, channel fan-out).
 *
 * @example
 * const metrics = new GatewayMetrics({ routes: ['$connect', 'sendmessage', '$default'] });
 * metrics.connectionOpened();
 * metrics.messageIn('sendmessage');
 * const { contentType, body } = await metrics.render(); // GET /metrics
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where an outgoing frame came from. */
export const MessageSource = {
  /** The reply of a two-way route (spec 1.6). */
  routeResponse: 'route_response',
  /** A `@connections` POST (spec 3). */
  management: 'management',
  /** An AWS-shaped error frame such as `Forbidden` or `Internal server error`. */
  errorFrame: 'error_frame',
  /** A channel publish fanned out to a subscriber. */
  channel: 'channel',
} as const;
export type MessageSource = (typeof MessageSource)[keyof typeof MessageSource];

/** What a throttle rejected (spec 4). */
export const ThrottleScope = {
  /** A message over its route's (or the stage's) token bucket. */
  route: 'route',
  /** A handshake over the new-connections-per-second limit. */
  connectionRate: 'connection_rate',
  /** A `@connections` call over the management API's limit. */
  management: 'management',
} as const;
export type ThrottleScope = (typeof ThrottleScope)[keyof typeof ThrottleScope];

export type IntegrationFailureKind = 'error' | 'timeout';

/** Why a socket was ended before it became a request or a WebSocket connection. */
export const ClientErrorKind = {
  /** Connected, then sent nothing within `limits.firstByteTimeoutSeconds`. */
  firstByteTimeout: 'first_byte_timeout',
  /** The TLS handshake or the request head took longer than `limits.requestHeadersTimeoutSeconds` (slowloris). */
  requestTimeout: 'request_timeout',
  /** A request head that is not HTTP, or over 16 KB. */
  malformedRequest: 'malformed_request',
  /** A failed TLS handshake (not TLS, unknown version, ...). */
  tlsError: 'tls_error',
  /** The client reset or dropped the connection before its request was complete. */
  reset: 'reset',
} as const;
export type ClientErrorKind = (typeof ClientErrorKind)[keyof typeof ClientErrorKind];

export interface GatewayMetricsOptions {
  /**
   * Route keys of the definition. Their series are created at zero up front, so rates
   * are defined from the first scrape; other routes still count when first seen.
   * @default []
   */
  routes?: readonly string[];
}

/** Integration latency buckets in seconds, up to API Gateway's 29 s integration timeout (spec 4). */
const INTEGRATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 29];

export class GatewayMetrics {
  readonly registry = new Registry();

  /** Open connections; the gauge reads it at scrape time, so opening and closing a connection update no gauge. */
  #openConnections = 0;
  readonly #connectionsTotal: Counter;
  // Label children cached per label values: the hot path skips prom-client's label
  // lookup and validation. Every label set is bounded (routes come from the definition).
  readonly #handshakesRejected: Children<CounterChild>;
  readonly #messagesIn: Children<CounterChild>;
  readonly #messagesOut: Children<CounterChild>;
  readonly #integrationDuration: Children<HistogramChild>;
  readonly #integrationErrors: Children<CounterChild>;
  readonly #throttled: Children<CounterChild>;
  readonly #managementRequests: Children<CounterChild>;
  readonly #clientErrors: Children<CounterChild>;
  readonly #integrationsInFlight: Gauge;
  readonly #messagesWaiting: Gauge;
  /** Read at scrape time only, so subscribing costs nothing on the hot path. */
  #channelStats: () => ChannelStats = () => ({ channels: 0, subscriptions: 0 });

  constructor(options: GatewayMetricsOptions = {}) {
    const { routes = [] } = options;
    const registers = [this.registry];
    const openConnections = (): number => this.#openConnections;
    new Gauge({
      name: 'switchboard_connections',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        this.set(openConnections());
      },
    });
    this.#connectionsTotal = new Counter({
      name: 'switchboard_connections_total',
      help: 'WebSocket connections accepted (handshake answered 101)',
      registers,
    });
    this.#handshakesRejected = counter(
      registers,
      'switchboard_handshakes_rejected_total',
      'WebSocket handshakes refused, by HTTP status',
      ['status'],
    );
    this.#messagesIn = counter(
      registers,
      'switchboard_messages_in_total',
      'Messages received from clients, by selected route',
      ['route'],
    );
    this.#messagesOut = counter(registers, 'switchboard_messages_out_total', 'Frames sent to clients, by source', [
      'source',
    ]);
    const duration = new Histogram({
      name: 'switchboard_integration_duration_seconds',
      help: 'Integration (handler or backend) latency, by route',
      labelNames: ['route'],
      buckets: INTEGRATION_BUCKETS,
      registers,
    });
    this.#integrationDuration = new Children((...labels) => duration.labels(...labels));
    this.#integrationErrors = counter(
      registers,
      'switchboard_integration_errors_total',
      'Integrations that failed or timed out, by route and kind',
      ['route', 'kind'],
    );
    this.#throttled = counter(registers, 'switchboard_throttled_total', 'Requests rejected by a throttle, by scope', [
      'scope',
    ]);
    this.#managementRequests = counter(
      registers,
      'switchboard_management_requests_total',
      '@connections API requests, by operation and HTTP status',
      ['operation', 'status'],
    );

    this.#clientErrors = counter(
      registers,
      'switchboard_client_errors_total',
      'Sockets ended before a complete request or handshake: slow, malformed, reset',
      ['kind'],
    );

    this.#integrationsInFlight = new Gauge({
      name: 'switchboard_integrations_in_flight',
      help: 'Integration calls of client messages now running',
      registers,
    });
    this.#messagesWaiting = new Gauge({
      name: 'switchboard_messages_waiting',
      help: 'Client messages read while their connection had no free call slot (its socket paused)',
      registers,
    });

    const stats = (): ChannelStats => this.#channelStats();
    new Gauge({
      name: 'switchboard_channels',
      help: 'Channels with at least one subscriber on this node',
      registers,
      collect() {
        this.set(stats().channels);
      },
    });
    new Gauge({
      name: 'switchboard_channel_subscriptions',
      help: 'Channel subscriptions (connection-channel pairs) on this node',
      registers,
      collect() {
        this.set(stats().subscriptions);
      },
    });

    // Series created at zero, so rates are defined from the first scrape.
    this.#integrationsInFlight.set(0);
    this.#messagesWaiting.set(0);
    this.#connectionsTotal.inc(0);
    for (const source of Object.values(MessageSource)) this.#messagesOut.get(source).inc(0);
    for (const scope of Object.values(ThrottleScope)) this.#throttled.get(scope).inc(0);
    for (const kind of Object.values(ClientErrorKind)) this.#clientErrors.get(kind).inc(0);
    for (const route of routes) {
      this.#messagesIn.get(route).inc(0);
      duration.zero({ route });
      this.#integrationErrors.get(route, 'error').inc(0);
      this.#integrationErrors.get(route, 'timeout').inc(0);
    }
  }

  /** A handshake completed with 101. */
  connectionOpened(): void {
    this.#openConnections++;
    this.#connectionsTotal.inc();
  }

  /** An accepted connection ended, for whatever reason. */
  connectionClosed(): void {
    this.#openConnections--;
  }

  /** A handshake was answered with an HTTP error status (from `$connect`, the authorizer, a throttle, ...). */
  handshakeRejected(status: number): void {
    this.#handshakesRejected.get(String(status)).inc();
  }

  /** A client message was routed to `route` (its route key, `$default` on fallback). */
  messageIn(route: string): void {
    this.#messagesIn.get(route).inc();
  }

  /** `count` frames were sent (a channel fan-out counts one per recipient). */
  messageOut(source: MessageSource, count = 1): void {
    this.#messagesOut.get(source).inc(count);
  }

  /** An integration of `route` finished (successfully or not) after `seconds`. */
  integrationObserved(route: string, seconds: number): void {
    this.#integrationDuration.get(route).observe(seconds);
  }

  /** An integration of `route` threw or answered with a failure (`error`), or exceeded its timeout (`timeout`). */
  integrationFailed(route: string, kind: IntegrationFailureKind): void {
    this.#integrationErrors.get(route, kind).inc();
  }

  /** A throttle rejected a request. */
  throttled(scope: ThrottleScope): void {
    this.#throttled.get(scope).inc();
  }

  /** A `@connections` request was answered. `operation` is e.g. `PostToConnection`. */
  managementRequest(operation: string, status: number): void {
    this.#managementRequests.get(operation, String(status)).inc();
  }

  /** Integration calls of client messages started (`+1`) or finished (`-1`). */
  integrationsInFlight(delta: number): void {
    this.#integrationsInFlight.inc(delta);
  }

  /** Client messages started waiting for a call slot (`+n`) or stopped (`-n`: started, or dropped with their connection). */
  messagesWaiting(delta: number): void {
    this.#messagesWaiting.inc(delta);
  }

  /** A socket was ended for a client error before its request or handshake was complete. */
  clientError(kind: ClientErrorKind): void {
    this.#clientErrors.get(kind).inc();
  }

  /** Where the channel gauges read their values when scraped. */
  observeChannels(stats: () => ChannelStats): void {
    this.#channelStats = stats;
  }

  /** The Prometheus text exposition, for `GET /metrics`. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

export interface ChannelStats {
  channels: number;
  subscriptions: number;
}

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

/** A metric's children by label values, created on first use. */
class Children<Child> {
  readonly #children = new Map<string, Child>();
  readonly #create: (...labels: string[]) => Child;

  constructor(create: (...labels: string[]) => Child) {
    this.#create = create;
  }

  get(...labels: string[]): Child {
    // NUL cannot appear in a route key or label value we produce, so keys do not collide.
    const key = labels.length === 1 ? labels[0]! : labels.join('\0');
    let child = this.#children.get(key);
    if (!child) {
      child = this.#create(...labels);
      this.#children.set(key, child);
    }
    return child;
  }
}

function counter(registers: Registry[], name: string, help: string, labelNames: string[]): Children<CounterChild> {
  const metric = new Counter({ name, help, labelNames, registers });
  return new Children((...labels) => metric.labels(...labels));
}
