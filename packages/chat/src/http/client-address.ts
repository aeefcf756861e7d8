/**
 * Which address a request comes from, for per-address rate limits.
 *
 * Without trusted proxies it is the socket's peer. Behind proxies the chat is
 * told to trust (a load balancer, nginx), the peer is the proxy; each proxy
 * appends the address it saw to `X-Forwarded-For`, so walking that header from
 * the right, the first address that is not a trusted proxy is the client.
 * Entries further left were written by the client and are never believed: a
 * client that invents `X-Forwarded-For` values cannot get fresh buckets.
 *
 *   client 203.0.113.7 ─▶ nginx 10.0.0.2 ─▶ chat     X-Forwarded-For: "1.2.3.4, 203.0.113.7"
 *   peer 10.0.0.2 is trusted; from the right: 203.0.113.7 is not trusted ─▶ the client
 */
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  /**
   * `proxies`: addresses (`10.0.0.2`, `::1`) or CIDR ranges (`10.0.0.0/8`,
   * `fd00::/8`). Throws `TypeError` naming an entry that is neither.
   * @example new TrustedProxies(['10.0.0.0/8', '127.0.0.1'])
   */
  constructor(proxies: readonly string[] = []) {
    for (const entry of proxies) {
      const [address = '', prefix, extra] = entry.trim().split('/');
      const family = isIP(address);
      const bits = prefix === undefined ? undefined : Number(prefix);
      const most = family === 6 ? 128 : 32;
      if (
        family === 0 ||
        extra !== undefined ||
        (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= most))
      ) {
        throw new TypeError(`Not an IP address or CIDR range: ${JSON.stringify(entry)}.`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, bits, type);
    }
    this.#empty = proxies.length === 0;
  }

  /** The client's address, from the socket peer and the request's `X-Forwarded-For` (comma-joined if repeated). */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    let address = plainAddress(peer ?? '');
    if (this.#empty || !forwardedFor) return address;
    const hops = forwardedFor.split(',').map((hop) => plainAddress(hop.trim()));
    while (this.#trusts(address)) {
      const next = hops.pop();
      if (next === undefined || isIP(next) === 0) break;
      address = next;
    }
    return address;
  }

  #trusts(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 peers) as plain IPv4. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
