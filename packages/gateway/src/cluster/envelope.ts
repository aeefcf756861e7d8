/**
 * The messages nodes send each other over Redis pub/sub: a JSON header, a newline,
 * then the payload bytes as they are. The payload (a publish, a forwarded post) is
 * never base64-encoded or parsed: the receiving node frames those bytes once.
 * JSON escapes newlines inside strings, so the first newline ends the header.
 */

const NEWLINE = 0x0a;

export function encodeEnvelope(header: object, payload?: string | Buffer): Buffer {
  const head = `${JSON.stringify(header)}\n`;
  if (payload === undefined) return Buffer.from(head);
  if (typeof payload === 'string') return Buffer.from(head + payload);
  return Buffer.concat([Buffer.from(head), payload]);
}

/** The header and payload of a message; throws on a message without a header. */
export function decodeEnvelope<T>(message: Buffer): { header: T; payload: Buffer } {
  const end = message.indexOf(NEWLINE);
  if (end === -1) throw new Error('cluster message without a header');
  return { header: JSON.parse(message.toString('utf8', 0, end)) as T, payload: message.subarray(end + 1) };
}
