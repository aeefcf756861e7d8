import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '@switchboard/chat/api';
import { refreshDelay, tokenClaims } from '../src/session-refresh.ts';

/** A token shaped like the server's (header.payload.signature, base64url); the client never checks the signature. */
function token(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function session(claims: object): Session {
  return {
    token: token(claims),
    expiresAt: 0,
    user: { id: 'u1', username: 'ada', guest: false, avatar: { initials: 'A', color: '#000' } },
  };
}

const day = 86_400;

describe('session refresh', () => {
  it('is due when half of the token lifetime has passed (3.5 days of a 7-day token)', () => {
    const issued = 1_767_225_600;
    const week = session({ sub: 'u1', iat: issued, exp: issued + 7 * day });
    assert.equal(refreshDelay(week, issued * 1000), 3.5 * day * 1000);
    assert.equal(refreshDelay(week, (issued + 3 * day) * 1000), 0.5 * day * 1000);
    assert.equal(refreshDelay(week, (issued + 5 * day) * 1000), 0, 'overdue: now');
  });

  it('counts from its own renewal once it renewed the token, so a clock that is off cannot loop', () => {
    const issued = 1_767_225_600;
    const renewed = session({ iat: issued, exp: issued + 7 * day });
    // The device's clock is 4 days ahead of the server: without its own renewal time it would be due at once.
    const deviceNow = (issued + 4 * day) * 1000;
    assert.equal(refreshDelay(renewed, deviceNow), 0);
    assert.equal(refreshDelay(renewed, deviceNow, deviceNow), 3.5 * day * 1000);
  });

  it('reads nothing from a token that is not a JWT with iat and exp', () => {
    assert.equal(tokenClaims('opaque'), null);
    assert.equal(tokenClaims('a.!!!.c'), null);
    assert.equal(refreshDelay(session({ sub: 'u1' }), 0), null);
    assert.equal(refreshDelay(session({ iat: 10, exp: 5 }), 0), null);
  });

  it('decodes base64url payloads (- and _)', () => {
    const claims = { iat: 1, exp: 2, name: '??>>??' };
    assert.deepEqual(tokenClaims(token(claims)), { iat: 1, exp: 2 });
  });
});
