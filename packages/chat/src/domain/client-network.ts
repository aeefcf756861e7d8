/**
 * What a per-address limit counts a client address as (domain/rate-limits.ts):
 * an IPv4 address on its own, an IPv6 address by its /64 network. One IPv6
 * subscriber (a home line, a phone, a cloud server) is given at least a whole
 * /64 and may use any address in it, a new one per request if it likes, so
 * limits per IPv6 address would limit nobody. A /64 is the smallest block one
 * subscriber is given (RFC 6177), so counting by it never lumps two
 * subscribers together.
 *
 *   203.0.113.7                 -> 203.0.113.7
 *   2001:db8:1:2:aaaa::1        -> 2001:db8:1:2::/64
 *   ::ffff:203.0.113.7          -> 203.0.113.7 (an IPv4 peer on a dual-stack socket)
 */
import { isIP } from 'node:net';

/** The key a client address is limited under. Anything that is not an IP address is its own key. */
export function clientNetwork(address: string): string {
  // A zone (`fe80::1%eth0`) names the host's interface, not the client.
  const plain = address.split('%', 1)[0]!;
  const family = isIP(plain);
  if (family === 4) return plain;
  if (family !== 6) return address;
  const groups = ipv6Groups(plain);
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 client itself.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = address.split('::');
  const before = parse(head);
  if (tail === undefined) return before;
  const after = parse(tail);
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}
