/**
 * The 100-byte benchmark message. It carries the publish time as 16 decimal
 * digits of microseconds after a `~` marker, so a receiver reads it without JSON
 * parsing and a peer that wraps the text (Socket.IO's `42["m","..."]`) keeps it
 * intact. The clock is `process.hrtime`, which is CLOCK_MONOTONIC and so the same
 * in every process on the machine: server and load processes compare it directly.
 */
export const PAYLOAD_BYTES = 100;
const MARKER = 0x7e; // '~'
const DIGITS = 16;
const FILLER = 'x'.repeat(PAYLOAD_BYTES - DIGITS - 1);

/** Microseconds on the machine-wide monotonic clock. */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A fresh 100-byte payload stamped with the current time. */
export function stampedPayload(): string {
  return `~${String(nowMicros()).padStart(DIGITS, '0')}${FILLER}`;
}

/**
 * The publish time carried in `bytes[start, end)`, or -1 when the message has no
 * stamp. Benchmark payloads start with it (after a short prefix for Socket.IO);
 * chat events carry it inside their JSON, so the whole message is searched.
 */
export function readStamp(bytes: Uint8Array, start: number, end: number): number {
  const last = end - DIGITS - 1;
  for (let at = start; at <= last; at++) {
    if (bytes[at] !== MARKER) continue;
    let value = 0;
    for (let digit = at + 1; digit <= at + DIGITS; digit++) value = value * 10 + ((bytes[digit] ?? 48) - 48);
    return value;
  }
  return -1;
}
