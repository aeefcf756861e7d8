/**
 * Property tests of the frame guard (spec 4: a frame over 32 KB closes with 1009),
 * which parses every byte a client sends: for any sequence of frames, in any
 * header form (7-bit, 16-bit or 64-bit lengths, masked or not), cut into chunks at
 * any points, the guard closes the connection exactly when one frame is over the
 * limit, and stops reading from then on. Arbitrary bytes never make it throw.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CloseCause, type Connection, MESSAGE_TOO_BIG } from '../../src/connection.ts';
import { guardFrameSize } from '../../src/limits/frame-guard.ts';

const LIMIT = 1000;

interface FrameSpec {
  length: number;
  /** The length field's form; a small length may be written in a longer form (RFC 6455 allows reading it). */
  form: 7 | 16 | 64;
  masked: boolean;
}

const frameSpec: fc.Arbitrary<FrameSpec> = fc
  .record({
    length: fc.oneof(
      fc.nat({ max: 125 }),
      fc.integer({ min: 0, max: LIMIT + 50 }),
      fc.integer({ min: 0, max: 70_000 }),
    ),
    form: fc.constantFrom(7 as const, 16 as const, 64 as const),
    masked: fc.boolean(),
  })
  .map((spec) => ({
    ...spec,
    form: spec.length > 65_535 ? 64 : spec.length > 125 && spec.form === 7 ? 16 : spec.form,
  }));

function encode({ length, form, masked }: FrameSpec): Buffer {
  const mask = masked ? 0x80 : 0;
  let header: Buffer;
  if (form === 7) header = Buffer.from([0x81, mask | length]);
  else if (form === 16) header = Buffer.from([0x81, mask | 126, length >> 8, length & 0xff]);
  else {
    header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = mask | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, Buffer.alloc(masked ? 4 : 0, 0x5a), Buffer.alloc(length, 0x61)]);
}

/** Cuts `bytes` at the given relative points. */
function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => Math.floor(cut * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

/** A guarded stream and what the guard did to its connection. */
function guarded() {
  const closes: CloseCause[] = [];
  const connection = { closeBy: (cause: CloseCause) => closes.push(cause) } as unknown as Connection;
  const socket = new PassThrough();
  guardFrameSize(socket, LIMIT, connection);
  // The guard is prepended to 'data'; something must read the stream for it to flow.
  socket.on('data', () => {});
  return { socket, closes };
}

describe('the frame guard, as a property', () => {
  it('closes with 1009 exactly when a frame is over the limit, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { maxLength: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        (frames, cuts) => {
          const { socket, closes } = guarded();
          for (const chunk of chunksOf(Buffer.concat(frames.map(encode)), cuts)) socket.write(chunk);
          const oversized = frames.some((frame) => frame.length > LIMIT);
          assert.deepEqual(closes, oversized ? [MESSAGE_TOO_BIG] : []);
          // Once it has closed, more bytes are not parsed (no second close).
          if (oversized) socket.write(encode({ length: LIMIT + 1, form: 16, masked: true }));
          assert.equal(closes.length, oversized ? 1 : 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes, and closes at most once', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const { socket, closes } = guarded();
        for (const chunk of chunks) socket.write(Buffer.from(chunk));
        assert.ok(closes.length <= 1);
      }),
      { numRuns: 1000 },
    );
  });
});
