import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TrustedProxies } from '../src/http/client-address.ts';

describe('TrustedProxies', () => {
  it('takes the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const none = new TrustedProxies();
    assert.equal(none.clientAddress('203.0.113.7', '198.51.100.1'), '203.0.113.7');
    assert.equal(none.clientAddress('::ffff:203.0.113.7', undefined), '203.0.113.7');
  });

  it('walks X-Forwarded-For from the right past trusted proxies', () => {
    const proxies = new TrustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    assert.equal(proxies.clientAddress('10.0.0.2', '203.0.113.7'), '203.0.113.7');
    assert.equal(proxies.clientAddress('127.0.0.1', '203.0.113.7, 10.1.2.3'), '203.0.113.7');
    assert.equal(proxies.clientAddress('fd00::1', '2001:db8::5'), '2001:db8::5');
    // A peer that is not a trusted proxy is the client, even if it sends the header.
    assert.equal(proxies.clientAddress('198.51.100.9', '203.0.113.7'), '198.51.100.9');
    // Only proxies all the way: the leftmost address reached.
    assert.equal(proxies.clientAddress('10.0.0.2', '10.0.0.3'), '10.0.0.3');
    // Garbage where an address should be stops the walk at the last real hop.
    assert.equal(proxies.clientAddress('10.0.0.2', 'not-an-ip'), '10.0.0.2');
  });

  it('never believes what the client wrote in front of the proxy’s entry', () => {
    const proxies = new TrustedProxies(['10.0.0.0/8']);
    const address = fc.oneof(fc.ipV4(), fc.ipV6());
    fc.assert(
      fc.property(fc.array(fc.oneof(address, fc.string()), { maxLength: 8 }), fc.ipV4(), (spoofed, client) => {
        fc.pre(!client.startsWith('10.'));
        const header = [...spoofed, client].join(', ');
        assert.equal(proxies.clientAddress('10.0.0.2', header), client);
      }),
    );
  });

  it('refuses entries that are neither addresses nor CIDR ranges', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/8/1', '::1/129', '']) {
      assert.throws(() => new TrustedProxies([bad]), TypeError, bad);
    }
  });
});
