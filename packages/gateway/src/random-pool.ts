/**
 * Random bytes for ids, taken from a pool refilled by the CSPRNG a few KB at a
 * time. Every handshake needs 34 random bytes (two ids and a trace id); asking
 * the OS for each one separately was a tenth of the upgrade path's CPU time in a
 * profile of the connection-rate benchmark. Node's own `crypto.randomUUID` batches
 * the same way. Each pool byte is handed out once, so ids stay as unpredictable
 * as `randomBytes` makes them.
 */
import { randomFillSync } from 'node:crypto';

/** 4 KB: about 120 handshakes per refill. */
const POOL_BYTES = 4096;

const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` fresh random bytes (at most {@link POOL_BYTES}), encoded as `encoding`. */
export function randomText(bytes: number, encoding: 'hex' | 'base64url'): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const text = pool.toString(encoding, offset, offset + bytes);
  offset += bytes;
  return text;
}
