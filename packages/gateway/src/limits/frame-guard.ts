/**
 * Enforces API Gateway's 32 KB frame and 128 KB message limits (spec 4: either
 * closes with 1009 `Message too big`) on the client's byte stream, reading just
 * the frame headers and skipping payloads, so a frame or message over its limit
 * closes the connection, with the reason, before its payload is buffered. (`ws`
 * limits whole messages too, `maxPayload`, but closes without a reason.)
 */
import type { Duplex } from 'node:stream';
import { type Connection, MESSAGE_TOO_BIG } from '../connection.ts';

export interface FrameLimits {
  maxFrameBytes: number;
  /** A data message's frames together (control frames do not count). */
  maxMessageBytes: number;
}

/** Starts watching the frames a client sends on `socket`; one over a limit closes `connection`. */
export function guardFrameSize(socket: Duplex, limits: FrameLimits, connection: Connection): void {
  (socket as GuardedSocket)[kFrameGuard] = new FrameGuard(limits, connection);
  socket.prependListener('data', socketOnData);
}

const kFrameGuard = Symbol('switchboard.frameGuard');

type GuardedSocket = Duplex & { [kFrameGuard]: FrameGuard };

/** Per-connection parsing state, kept in an object rather than a closure (cheap idle connections). */
class FrameGuard {
  /** Shared by every connection. */
  readonly limits: FrameLimits;
  readonly connection: Connection;
  payloadLeft = 0;
  /** The payload bytes of the data message under way, its frames so far. */
  messageBytes = 0;
  /** Header bytes of a frame whose header straddles two chunks. */
  pending: Buffer | undefined = undefined;

  constructor(limits: FrameLimits, connection: Connection) {
    this.limits = limits;
    this.connection = connection;
  }
}

/** A module-level listener shared by every socket; the state hangs off the socket. */
function socketOnData(this: GuardedSocket, chunk: Buffer): void {
  const guard = this[kFrameGuard];
  let offset = 0;
  while (offset < chunk.length) {
    if (guard.payloadLeft > 0) {
      const skip = Math.min(guard.payloadLeft, chunk.length - offset);
      guard.payloadLeft -= skip;
      offset += skip;
      continue;
    }
    const pending = guard.pending;
    const view = pending ? Buffer.concat([pending, chunk.subarray(offset)]) : chunk.subarray(offset);
    const parsed = parseHeader(view);
    if (!parsed) {
      guard.pending = Buffer.from(view);
      return;
    }
    if (!parsed.control) guard.messageBytes += parsed.payloadLength;
    if (parsed.payloadLength > guard.limits.maxFrameBytes || guard.messageBytes > guard.limits.maxMessageBytes) {
      this.off('data', socketOnData);
      guard.connection.closeBy(MESSAGE_TOO_BIG);
      return;
    }
    if (parsed.final && !parsed.control) guard.messageBytes = 0;
    offset += parsed.headerLength - (pending?.length ?? 0);
    guard.pending = undefined;
    guard.payloadLeft = parsed.payloadLength;
  }
}

interface FrameHeader {
  headerLength: number;
  payloadLength: number;
  /** FIN: the last frame of its message. */
  final: boolean;
  /** A control frame (opcode 8 and above), which may come between a message's frames. */
  control: boolean;
}

/** RFC 6455 section 5.2 frame header: 2 bytes, then 0, 2 or 8 length bytes, then a 4-byte mask if masked. */
function parseHeader(bytes: Buffer): FrameHeader | undefined {
  if (bytes.length < 2) return undefined;
  const first = bytes[0] as number;
  const second = bytes[1] as number;
  const masked = (second & 0x80) !== 0;
  const length7 = second & 0x7f;
  const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  const headerLength = 2 + extended + (masked ? 4 : 0);
  if (bytes.length < headerLength) return undefined;
  const payloadLength =
    length7 === 126 ? bytes.readUInt16BE(2) : length7 === 127 ? Number(bytes.readBigUInt64BE(2)) : length7;
  return { headerLength, payloadLength, final: (first & 0x80) !== 0, control: (first & 0x08) !== 0 };
}
