/**
 * Identity sources are parsed once per authorizer and looked up per handshake
 * (spec 6): a header by its name in any case, a query parameter, a stage
 * variable; `context.*` is always present. The first missing or empty source, in
 * the order given, is the one reported.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstMissingIdentitySource, parseIdentitySources } from '../src/authorizer/identity-sources.ts';
import type { HandshakeFacts } from '../src/events.ts';

const handshake: HandshakeFacts = {
  headers: { Host: 'example.com', authorization: 'Bearer first', AUTHORIZATION: 'Bearer second', 'X-Empty': '' },
  multiValueHeaders: {},
  query: { single: { token: 't' }, multi: { token: ['t'] } },
};

const missing = (sources: string[], stageVariables?: Record<string, string>): string | undefined =>
  firstMissingIdentitySource(parseIdentitySources(sources), handshake, stageVariables);

describe('identity sources', () => {
  it('find headers in any case, query parameters, stage variables and context values', () => {
    const all = [
      'route.request.header.Authorization',
      'route.request.header.host',
      'route.request.querystring.token',
      'stageVariables.tier',
      'context.identity.sourceIp',
    ];
    assert.equal(missing(all, { tier: 'gold' }), undefined);
  });

  it('report the first source, in the order given, that is missing or empty', () => {
    assert.equal(
      missing(['route.request.header.X-Empty', 'route.request.querystring.absent']),
      'route.request.header.X-Empty',
    );
    assert.equal(
      missing(['route.request.querystring.token', 'route.request.querystring.absent']),
      'route.request.querystring.absent',
    );
    assert.equal(missing(['stageVariables.tier']), 'stageVariables.tier');
    assert.equal(missing(['stageVariables.tier'], { tier: '' }), 'stageVariables.tier');
    assert.equal(missing(['route.request.header.Absent']), 'route.request.header.Absent');
    assert.equal(missing(['method.request.header.Auth']), 'method.request.header.Auth');
  });

  it('report a query source as missing when the URL had no query string', () => {
    const sources = parseIdentitySources(['route.request.querystring.token']);
    assert.equal(
      firstMissingIdentitySource(sources, { ...handshake, query: undefined }, undefined),
      'route.request.querystring.token',
    );
  });
});
