import type { WebSocket } from 'ws';
import type { ConnectionFacts } from './events.ts';

/** Why the gateway itself closed a connection; reported on `$disconnect` (spec 1.4). */
export interface CloseCause {
  code: number;
  reason: string;
}

/**
 * The gateway's state for one established connection. Kept small on purpose: no
 * timers (one sweeper serves all connections), no retained upgrade request.
 */
export class Connection {
  readonly socket: WebSocket;
  readonly facts: ConnectionFacts;
  readonly userAgent: string;
  lastActiveAt: number;
  /** Set when the gateway closes the connection, so `$disconnect` reports the gateway's reason. */
  closeCause: CloseCause | undefined = undefined;
  /** False once the connection is closing: posts then answer 410 (spec 3.3). */
  open = true;

  constructor(socket: WebSocket, facts: ConnectionFacts, userAgent: string) {
    this.socket = socket;
    this.facts = facts;
    this.userAgent = userAgent;
    this.lastActiveAt = facts.connectedAt;
  }

  get id(): string {
    return this.facts.connectionId;
  }

  /** Closes from the gateway's side with a close frame, remembering why. */
  closeBy(cause: CloseCause): void {
    if (!this.open) return;
    this.open = false;
    this.closeCause = cause;
    this.socket.close(cause.code, cause.reason);
  }
}
