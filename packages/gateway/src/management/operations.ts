/**
 * The three `@connections` operations with API Gateway's semantics (spec 3.3),
 * shared by the HTTP API and the in-process client so both answer alike.
 */
import type { Connection } from '../connection.ts';
import { isWellFormedId } from '../ids.ts';
import type { Outbound } from '../server/outbound.ts';
import type { TokenBucket } from '../throttle/token-bucket.ts';
import { ManagementApiError, ManagementErrorType } from './errors.ts';

/** GetConnection's result, in the SDK's output shape. */
export interface ConnectionDescription {
  ConnectedAt: Date;
  Identity: { SourceIp: string; UserAgent: string };
  LastActiveAt: Date;
}

export interface ConnectionOperationsOptions {
  /** Largest PostToConnection payload (spec 3.1: 131072 in the service model). */
  maxPayloadBytes: number;
  /**
   * Where frames go. A post to a client that already has more than the outbound
   * limit queued answers 429 (spec 3.3: "client side buffer is full").
   */
  outbound: Outbound;
  /** Management call throttle; 429 when empty. */
  throttle: TokenBucket | undefined;
  /** Called for each frame sent, for metrics. */
  onSent?: () => void;
  onThrottled?: () => void;
}

/** The connection '@connections' addresses, or why it cannot be addressed. */
export class ConnectionOperations {
  readonly #connections: ReadonlyMap<string, Connection>;
  readonly #options: ConnectionOperationsOptions;

  constructor(connections: ReadonlyMap<string, Connection>, options: ConnectionOperationsOptions) {
    this.#connections = connections;
    this.#options = options;
  }

  post(connectionId: string, data: string | Buffer): void {
    this.#admit();
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (size > this.#options.maxPayloadBytes) throw new ManagementApiError(ManagementErrorType.payloadTooLarge);
    const connection = openConnection(this.#connections, connectionId);
    if (this.#options.outbound.isCongested(connection)) throw new ManagementApiError(ManagementErrorType.limitExceeded);
    // Data over 32 KB is sent intact as one message (checklist 64, our documented choice); bytes
    // that are not UTF-8 go as a binary frame, since a text frame with them would fail the client (1007).
    this.#options.outbound.send(connection, data);
    connection.lastActiveAt = Date.now();
    this.#options.onSent?.();
  }

  describe(connectionId: string): ConnectionDescription {
    this.#admit();
    const connection = openConnection(this.#connections, connectionId);
    return {
      ConnectedAt: new Date(connection.facts.connectedAt),
      Identity: { SourceIp: connection.facts.sourceIp, UserAgent: connection.userAgent },
      LastActiveAt: new Date(connection.lastActiveAt),
    };
  }

  delete(connectionId: string): void {
    this.#admit();
    // Spec 1.4: $disconnect then reports 1000 "Connection Closed Normally".
    openConnection(this.#connections, connectionId).closeBy({ code: 1000, reason: 'Connection Closed Normally' });
  }

  #admit(): void {
    if (this.#options.throttle && !this.#options.throttle.tryTake()) {
      this.#options.onThrottled?.();
      throw new ManagementApiError(ManagementErrorType.limitExceeded);
    }
  }
}

/**
 * The open connection with this id, for every API that addresses connections
 * (`@connections`, channels). Spec 3.3: a malformed id is 400; a well-formed id
 * that is unknown, closed, or still in its `$connect` (not yet established) is 410.
 */
export function openConnection(connections: ReadonlyMap<string, Connection>, connectionId: string): Connection {
  if (!isWellFormedId(connectionId)) throw new ManagementApiError(ManagementErrorType.badRequest);
  const connection = connections.get(connectionId);
  if (!connection?.open) throw new ManagementApiError(ManagementErrorType.gone);
  return connection;
}
