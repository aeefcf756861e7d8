/** Messages between the runner and a reconnect-storm client process (scenario 10). */

export type StormCommand =
  | {
      type: 'open';
      id: number;
      /** One WebSocket URL (token included) per client. */
      urls: string[];
      /** Source addresses, used in turn. */
      addresses: string[];
      roomName: string;
      capacity: number;
    }
  | { type: 'status'; id: number; sent: number };

/** The process's clients, summed. */
export interface StormStatus {
  online: number;
  /** Clients that hold every one of the first `sent` messages. */
  caughtUp: number;
  /** Messages among the first `sent` missing, over all clients. */
  lost: number;
  duplicates: number;
  /** The latest `welcome` of any client (`Date.now()`). */
  lastOnlineAt: number;
  /** The latest delivery that was new to its client. */
  lastNewAt: number;
  /** Reconnects completed (a lost connection followed by a welcome). */
  reconnects: number;
  /** Connection attempts abandoned because their handshake did not finish in time. */
  handshakeTimeouts: number;
  /** `presence` frames received. */
  presenceFrames: number;
}

export type StormReply =
  | { type: 'opened'; id: number }
  | { type: 'status'; id: number; status: StormStatus }
  | { type: 'failed'; id: number; error: string };

export function emptyStormStatus(): StormStatus {
  return {
    online: 0,
    caughtUp: 0,
    lost: 0,
    duplicates: 0,
    lastOnlineAt: 0,
    lastNewAt: 0,
    reconnects: 0,
    handshakeTimeouts: 0,
    presenceFrames: 0,
  };
}

/** Adds `part` (another process's status) into `total`. */
export function addStormStatus(total: StormStatus, part: StormStatus): void {
  total.online += part.online;
  total.caughtUp += part.caughtUp;
  total.lost += part.lost;
  total.duplicates += part.duplicates;
  total.lastOnlineAt = Math.max(total.lastOnlineAt, part.lastOnlineAt);
  total.lastNewAt = Math.max(total.lastNewAt, part.lastNewAt);
  total.reconnects += part.reconnects;
  total.handshakeTimeouts += part.handshakeTimeouts;
  total.presenceFrames += part.presenceFrames;
}
