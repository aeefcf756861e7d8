/**
 * Enforces API Gateway's 32 KB frame limit (spec 4: a larger frame closes with
 * 1009). `ws` only limits whole messages (`maxPayload`, our 128 KB limit), so this
 * reads just the frame headers of the client's byte stream, skipping payloads,
 * and reports the first frame over the limit before its payload is buffered.
 */
import type { Duplex } from 'node:stream';

export function guardFrameSize(socket: Duplex, maxFrameBytes: number, onOversize: () => void): void {
  let payloadLeft = 0;
  /** Header bytes of a frame whose header straddles two chunks. */
  let pending: Buffer | undefined;

  const onData = (chunk: Buffer): void => {
    let offset = 0;
    while (offset < chunk.length) {
      if (payloadLeft > 0) {
        const skip = Math.min(payloadLeft, chunk.length - offset);
        payloadLeft -= skip;
        offset += skip;
        continue;
      }
      const view = pending ? Buffer.concat([pending, chunk.subarray(offset)]) : chunk.subarray(offset);
      const parsed = parseHeader(view);
      if (!parsed) {
        pending = Buffer.from(view);
        return;
      }
      if (parsed.payloadLength > maxFrameBytes) {
        socket.off('data', onData);
        onOversize();
        return;
      }
      offset += parsed.headerLength - (pending?.length ?? 0);
      pending = undefined;
      payloadLeft = parsed.payloadLength;
    }
  };
  socket.prependListener('data', onData);
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
