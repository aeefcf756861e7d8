/** What the per-address limits count a client address as (src/domain/client-network.ts), as properties. */
import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clientNetwork } from '../src/domain/client-network.ts';

/** Eight 16-bit groups written out in full, each in random case and padding. */
const group = fc.integer({ min: 0, max: 0xffff });
const written = (groups: readonly number[], upper: boolean, padded: boolean): string =>
  groups
    .map((value) => {
      const hex = padded ? value.toString(16).padStart(4, '0') : value.toString(16);
      return upper ? hex.toUpperCase() : hex;
    })
    .join(':');

describe('clientNetwork', () => {
  it('keeps an IPv4 address as it is', () => {
    fc.assert(fc.property(fc.ipV4(), (address) => clientNetwork(address) === address));
  });

  it('counts an IPv6 address by the /64 that holds it, in any of its spellings', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const network = clientNetwork(address);
        if (isIP(network) === 4) {
          // Only an IPv4-mapped address becomes IPv4.
          const mapped = new BlockList();
          mapped.addSubnet('::ffff:0:0', 96, 'ipv6');
          assert.ok(mapped.check(address, 'ipv6'), `${address} -> ${network}`);
          return;
        }
        assert.match(network, /^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3}::\/64$/);
        const subnet = new BlockList();
        subnet.addSubnet(network.slice(0, -'/64'.length), 64, 'ipv6');
        assert.ok(subnet.check(address, 'ipv6'), `${address} is not in ${network}`);
      }),
    );
  });

  it('gives every address of one /64 the same key, and addresses of two /64s different keys', () => {
    fc.assert(
      fc.property(
        fc.array(group, { minLength: 4, maxLength: 4 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        (prefix, otherPrefix, host, otherHost, upper, padded) => {
          const network = clientNetwork(written([...prefix, ...host], upper, padded));
          assert.equal(clientNetwork(written([...prefix, ...otherHost], !upper, !padded)), network);
          const same = prefix.every((value, i) => value === otherPrefix[i]);
          assert.equal(clientNetwork(written([...otherPrefix, ...host], upper, padded)) === network, same);
        },
      ),
    );
  });

  it('reads compressed, mapped and zoned spellings', () => {
    assert.equal(clientNetwork('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(clientNetwork('2001:DB8::'), '2001:db8:0:0::/64');
    assert.equal(clientNetwork('::1'), '0:0:0:0::/64');
    assert.equal(clientNetwork('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(clientNetwork('64:ff9b::203.0.113.7'), '64:ff9b:0:0::/64');
    assert.equal(clientNetwork('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(clientNetwork('not an address'), 'not an address');
  });
});
