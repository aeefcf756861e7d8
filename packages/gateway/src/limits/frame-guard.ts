/**
 * Enforces API Gateway's 32 KB frame limit (spec 4: a larger frame closes with
 * 1009). `ws` only limits whole messages (`maxPayload`, our 128 KB limit), so this
 * reads just the frame headers of the client's byte stream, skipping payloads,
 * and reports the first frame over the limit before its payload is buffered.
 */
import type { Duplex } from 'node:stream';
import { type Connection, MESSAGE_TOO_BIG } from '../connection.ts';

/** Starts watching the frames a client sends on `socket`; an oversized one closes `connection`. */
export function guardFrameSize(socket: Duplex, maxFrameBytes: number, connection: Connection): void {
  (socket as GuardedSocket)[kFrameGuard] = new FrameGuard(maxFrameBytes, connection);
  socket.prependListener('data', socketOnData);
}

const kFrameGuard = Symbol('switchboard.frameGuard');

type GuardedSocket = Duplex & { [kFrameGuard]: FrameGuard };

/** Per-connection parsing state, kept in an object rather than a closure (cheap idle connections). */
class FrameGuard {
  readonly maxFrameBytes: number;
  readonly connection: Connection;
  payloadLeft = 0;
  /** Header bytes of a frame whose header straddles two chunks. */
  pending: Buffer | undefined = undefined;

  constructor(maxFrameBytes: number, connection: Connection) {
    this.maxFrameBytes = maxFrameBytes;
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
    if (parsed.payloadLength > guard.maxFrameBytes) {
      this.off('data', socketOnData);
      guard.connection.closeBy(MESSAGE_TOO_BIG);
      return;
    }
    offset += parsed.headerLength - (pending?.length ?? 0);
    guard.pending = undefined;
    guard.payloadLeft = parsed.payloadLength;
  }
}

/** RFC 6455 section 5.2 frame header: 2 bytes, then 0, 2 or 8 length bytes, then a 4-byte mask if masked. */
function parseHeader(bytes: Buffer): { headerLength: number; payloadLength: number } | undefined {
  if (bytes.length < 2) return undefined;
  const second = bytes[1] as number;
  const masked = (second & 0x80) !== 0;
  const length7 = second & 0x7f;
  const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  const headerLength = 2 + extended + (masked ? 4 : 0);
  if (bytes.length < headerLength) return undefined;
  const payloadLength =
    length7 === 126 ? bytes.readUInt16BE(2) : length7 === 127 ? Number(bytes.readBigUInt64BE(2)) : length7;
  return { headerLength, payloadLength };
}
