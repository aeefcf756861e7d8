/**
 * Ids that sort, as strings, in the order this process made them: UUID version 7
 * (RFC 9562, section 5.7), a millisecond timestamp followed by a counter in
 * `rand_a` (section 6.2, method 1) and random bits. The audit log lists entries by
 * `(at, id)`: with random ids, two entries of the same millisecond (a role set and
 * set back at once) came out in either order.
 */
import { randomBytes } from 'node:crypto';

/** The largest counter `rand_a` holds (12 bits). */
const MAX_SEQUENCE = 0xfff;

let lastMs = -1;
let sequence = 0;

/** A new id for something made at `ms` (ms since the epoch), greater than every id this process made before. */
export function timeOrderedId(ms: number): string {
  if (ms > lastMs) {
    lastMs = ms;
    sequence = 0;
  } else if (++sequence > MAX_SEQUENCE) {
    // The same millisecond again (or a clock that went back): the counter moves on, into the next millisecond when full.
    lastMs++;
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
