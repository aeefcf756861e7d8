/**
 * Property tests of the frame guard (spec 4: a frame over 32 KB or a message over
 * 128 KB closes with 1009), which parses every byte a client sends: for any
 * sequence of data and control frames, in any header form (7-bit, 16-bit or 64-bit
 * lengths, masked or not), cut into chunks at any points, the guard closes the
 * connection exactly when a frame is over its limit or a message's frames together
 * are over theirs (control frames between them not counted), and stops reading
 * from then on. Arbitrary bytes never make it throw.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CloseCause, type Connection, MESSAGE_TOO_BIG } from '../../src/connection.ts';
import { guardFrameSize } from '../../src/limits/frame-guard.ts';

const LIMIT = 1000;
const MESSAGE_LIMIT = 2500;

interface FrameSpec {
  length: number;
  /** A data frame (text or continuation), or a control frame (a ping) that may come between them. */
  control: boolean;
  /** FIN: the last frame of its message. */
  final: boolean;
  /** The length field's form; a small length may be written in a longer form (RFC 6455 allows reading it). */
  form: 7 | 16 | 64;
  masked: boolean;
}

/** Frames of these lengths, in every header form, data or control, last of their message or not. */
const framesOf = (length: fc.Arbitrary<number>): fc.Arbitrary<FrameSpec> =>
  fc
    .record({
      length,
      form: fc.constantFrom(7 as const, 16 as const, 64 as const),
      masked: fc.boolean(),
      control: fc.boolean(),
      final: fc.boolean(),
    })
    .map((spec) => ({
      ...spec,
      form: spec.length > 65_535 ? 64 : spec.length > 125 && spec.form === 7 ? 16 : spec.form,
    }));

const frameSpec = framesOf(
  fc.oneof(fc.nat({ max: 125 }), fc.integer({ min: 0, max: LIMIT + 50 }), fc.integer({ min: 0, max: 70_000 })),
);
/** Frames within the frame limit: only a message's frames together can break one. */
const frameWithinLimit = framesOf(fc.integer({ min: 0, max: LIMIT }));

function encode({ length, form, masked, control, final }: FrameSpec): Buffer {
  const mask = masked ? 0x80 : 0;
  const first = (final ? 0x80 : 0) | (control ? 0x9 : 0x1);
  let header: Buffer;
  if (form === 7) header = Buffer.from([first, mask | length]);
  else if (form === 16) header = Buffer.from([first, mask | 126, length >> 8, length & 0xff]);
  else {
    header = Buffer.alloc(10);
    header[0] = first;
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
  guardFrameSize(socket, { maxFrameBytes: LIMIT, maxMessageBytes: MESSAGE_LIMIT }, connection);
  // The guard is prepended to 'data'; something must read the stream for it to flow.
  socket.on('data', () => {});
  return { socket, closes };
}

/** Whether the frames break a limit: a frame over its own, or a message's data frames together over theirs. */
function breaksALimit(frames: FrameSpec[]): boolean {
  let messageBytes = 0;
  for (const frame of frames) {
    if (!frame.control) messageBytes += frame.length;
    if (frame.length > LIMIT || messageBytes > MESSAGE_LIMIT) return true;
    if (frame.final && !frame.control) messageBytes = 0;
  }
  return false;
}

describe('the frame guard, as a property', () => {
  it('closes with 1009 exactly when a frame or a message is over its limit, however the bytes are cut', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { maxLength: 10 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        (frames, cuts) => {
          const { socket, closes } = guarded();
          for (const chunk of chunksOf(Buffer.concat(frames.map(encode)), cuts)) socket.write(chunk);
          const oversized = breaksALimit(frames);
          assert.deepEqual(closes, oversized ? [MESSAGE_TOO_BIG] : []);
          // Once it has closed, more bytes are not parsed (no second close).
          if (oversized) {
            socket.write(encode({ length: LIMIT + 1, form: 16, masked: true, control: false, final: true }));
          }
          assert.equal(closes.length, oversized ? 1 : 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('counts a message over its frames, and control frames between them not at all', () => {
    fc.assert(
      fc.property(fc.array(frameWithinLimit, { maxLength: 12 }), (frames) => {
        const { socket, closes } = guarded();
        for (const frame of frames) socket.write(encode(frame));
        assert.deepEqual(closes, breaksALimit(frames) ? [MESSAGE_TOO_BIG] : []);
      }),
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
