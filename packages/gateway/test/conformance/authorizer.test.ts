/**
 * Checklist 89-101 (spec 6): the Lambda REQUEST authorizer on `$connect`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthorizerDefinition, GatewayDefinition } from '../../src/definition.ts';
import { connect, EventRecorder, handshakeStatus, startGateway } from '../support/gateway-harness.ts';

/** The definition defaults: region us-east-1, account 000000000000, apiId local00000, stage dev. */
const ARN_PREFIX = 'arn:aws:execute-api:us-east-1:000000000000:local00000/dev';
const CONNECT_ARN = `${ARN_PREFIX}/$connect`;

/** An AWS-shaped event as the harness records it. */
type RecordedEvent = Parameters<EventRecorder['record']>[0];

type Statement = { Effect: string; Action: string; Resource: string | string[] };

function policy(principalId: string, ...statements: Statement[]) {
  return { principalId, policyDocument: { Version: '2012-10-17', Statement: statements } };
}

const allow = (resource: string | string[]): Statement => ({
  Effect: 'Allow',
  Action: 'execute-api:Invoke',
  Resource: resource,
});
const deny = (resource: string): Statement => ({ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: resource });

/**
 * A gateway whose authorizer records its events and answers with `answer(event)`;
 * `$connect`, `$default` and `$disconnect` record theirs.
 */
async function startAuthorizedGateway(
  answer: (event: RecordedEvent) => unknown,
  authorizer: Partial<AuthorizerDefinition> = {},
  extra: Partial<GatewayDefinition> = {},
) {
  const authorizerEvents = new EventRecorder();
  const connects = new EventRecorder();
  const messages = new EventRecorder();
  const disconnects = new EventRecorder();
  const running = await startGateway({
    authorizer: {
      handler: async (event: RecordedEvent) => {
        authorizerEvents.record(event);
        return answer(event);
      },
      identitySource: ['route.request.header.Auth'],
      ...authorizer,
    },
    routes: {
      $connect: {
        handler: async (event: RecordedEvent) => {
          connects.record(event);
          return { statusCode: 200 };
        },
      },
      $default: {
        handler: async (event: RecordedEvent) => {
          messages.record(event);
          return { statusCode: 200, body: 'ok' };
        },
        routeResponse: true,
      },
      $disconnect: {
        handler: async (event: RecordedEvent) => {
          disconnects.record(event);
          return { statusCode: 200 };
        },
      },
    },
    ...extra,
  });
  return { ...running, authorizerEvents, connects, messages, disconnects };
}

const allowConnect = () => policy('user-1', allow(CONNECT_ARN));

describe('conformance: Lambda REQUEST authorizer (spec 6)', () => {
  it('11.89 a missing route.request.header.Auth identity source gives 401 without invoking the authorizer', async () => {
    const { url, authorizerEvents, connects } = await startAuthorizedGateway(allowConnect);
    assert.equal(await handshakeStatus(url), 401);
    assert.equal(await handshakeStatus(url, { headers: { Other: 'x' } }), 401);
    assert.equal(authorizerEvents.events.length, 0);
    assert.equal(connects.events.length, 0);
    // The same gateway admits a client that has the header, so the 401 above was the identity check.
    const client = await connect(url, { headers: { Auth: 'token' } });
    assert.equal(authorizerEvents.events.length, 1);
    await client.close();
  });

  it('spec 6: an authorizer without identity sources runs on every handshake, headers or not', async () => {
    const { url, authorizerEvents } = await startAuthorizedGateway(allowConnect, { identitySource: [] });
    const first = await connect(url);
    const second = await connect(url, { headers: { Auth: 'token' } });
    assert.equal((await authorizerEvents.nth(2)).type, 'REQUEST');
    await Promise.all([first.close(), second.close()]);
  });

  it('spec 6: an authorizer defined without identitySource has none, and runs on a bare handshake', async () => {
    const calls = new EventRecorder();
    const { url } = await startGateway({
      authorizer: {
        handler: async (event: RecordedEvent) => {
          calls.record(event);
          return allowConnect();
        },
      },
      routes: { $default: { handler: async () => ({ statusCode: 200 }) } },
    });
    const client = await connect(url);
    assert.equal((await calls.nth(1)).type, 'REQUEST');
    await client.close();
  });

  it('11.90 an empty route.request.querystring.token gives 401 without invoking the authorizer', async () => {
    const { url, authorizerEvents } = await startAuthorizedGateway(allowConnect, {
      identitySource: ['route.request.querystring.token'],
    });
    assert.equal(await handshakeStatus(url, { query: '?token=' }), 401);
    assert.equal(await handshakeStatus(url, { query: '?other=1' }), 401);
    assert.equal(await handshakeStatus(url), 401);
    assert.equal(authorizerEvents.events.length, 0);
    const client = await connect(url, { query: '?token=abc' });
    assert.equal((await authorizerEvents.nth(1)).queryStringParameters.token, 'abc');
    await client.close();
  });

  it('11.90 with several identity sources, any one missing gives 401 without invoking the authorizer', async () => {
    const { url, authorizerEvents } = await startAuthorizedGateway(allowConnect, {
      identitySource: ['route.request.header.Auth', 'route.request.querystring.token'],
    });
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'x' } }), 401);
    assert.equal(await handshakeStatus(url, { query: '?token=t' }), 401);
    assert.equal(authorizerEvents.events.length, 0);
    const client = await connect(url, { headers: { Auth: 'x' }, query: '?token=t' });
    assert.equal(authorizerEvents.events.length, 1);
    await client.close();
  });

  it('11.91 an authorizer that throws "Unauthorized" gives 401', async () => {
    const { url, authorizerEvents, connects } = await startAuthorizedGateway(() => {
      throw new Error('Unauthorized');
    });
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'bad' } }), 401);
    assert.equal(authorizerEvents.events.length, 1);
    assert.equal(connects.events.length, 0);
  });

  it('11.91 an authorizer that returns "Unauthorized" gives 401', async () => {
    const { url, connects } = await startAuthorizedGateway(() => 'Unauthorized');
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'bad' } }), 401);
    assert.equal(connects.events.length, 0);
  });

  it('11.91 a callback-style authorizer answering callback("Unauthorized") gives 401', async () => {
    const { url } = await startGateway({
      authorizer: {
        handler: (_event: unknown, _context: unknown, callback: (error: unknown) => void) => callback('Unauthorized'),
        identitySource: ['route.request.header.Auth'],
      },
      routes: { $default: { handler: async () => ({ statusCode: 200 }) } },
    });
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'bad' } }), 401);
  });

  it('11.92 an Allow policy on .../{stage}/$connect lets $connect run', async () => {
    const { url, connects } = await startAuthorizedGateway(allowConnect);
    const client = await connect(url, { headers: { Auth: 'good' } });
    const event = await connects.nth(1);
    assert.equal(event.requestContext.routeKey, '$connect');
    client.send('hello');
    assert.equal(await client.next(), 'ok');
    await client.close();
  });

  it('11.92 a single-statement policy with wildcard Action and a list of Resources allows $connect', async () => {
    const { url, connects } = await startAuthorizedGateway(() => ({
      principalId: 'user-1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Action: 'execute-api:*', Resource: [`${ARN_PREFIX}/join`, CONNECT_ARN] },
      },
    }));
    const client = await connect(url, { headers: { Auth: 'x' } });
    await connects.nth(1);
    await client.close();
  });

  it('11.93 a Deny policy gives 403', async () => {
    const { url, connects } = await startAuthorizedGateway(() => policy('user-1', deny(CONNECT_ARN)));
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'x' } }), 403);
    assert.equal(connects.events.length, 0);
  });

  it('11.93 an explicit Deny wins over an Allow', async () => {
    const { url } = await startAuthorizedGateway(() => policy('user-1', allow(CONNECT_ARN), deny(`${ARN_PREFIX}/*`)));
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'x' } }), 403);
  });

  it('11.93 a policy with no matching Allow gives 403', async () => {
    const { url, connects } = await startAuthorizedGateway(() =>
      policy('user-1', allow(`${ARN_PREFIX}/sendmessage`), allow(CONNECT_ARN.replace('/dev/', '/prod/'))),
    );
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'x' } }), 403);
    assert.equal(connects.events.length, 0);
  });

  it('11.93 a result with no policy statements gives 403', async () => {
    const { url } = await startAuthorizedGateway(() => policy('user-1'));
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'x' } }), 403);
  });

  it('11.94 a Resource of .../{stage}/*/* does not match $connect (403)', async () => {
    const { url, connects } = await startAuthorizedGateway(() => policy('user-1', allow(`${ARN_PREFIX}/*/*`)));
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'x' } }), 403);
    assert.equal(connects.events.length, 0);
  });

  it('11.94 a Resource of .../{stage}/* matches $connect', async () => {
    const { url, connects } = await startAuthorizedGateway(() => policy('user-1', allow(`${ARN_PREFIX}/*`)));
    const client = await connect(url, { headers: { Auth: 'x' } });
    await connects.nth(1);
    await client.close();
  });

  it('11.95 an authorizer throwing any other error fails the handshake with 500', async () => {
    const { url, connects } = await startAuthorizedGateway(() => {
      throw new Error('database unreachable');
    });
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'x' } }), 500);
    assert.equal(connects.events.length, 0);
  });

  it('11.95 an authorizer returning a malformed result fails the handshake with 500', async () => {
    const { url } = await startAuthorizedGateway(() => 42);
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'x' } }), 500);
  });

  it('11.96 the authorizer event has type "REQUEST" and a methodArn ending in /{stage}/$connect with no HTTP verb', async () => {
    const { url, authorizerEvents } = await startAuthorizedGateway(allowConnect);
    const client = await connect(url, { headers: { Auth: 'x' } });
    const event = await authorizerEvents.nth(1);
    assert.equal(event.type, 'REQUEST');
    assert.equal(event.methodArn, CONNECT_ARN);
    assert.doesNotMatch(event.methodArn, /\/(GET|POST|PUT|DELETE|\*)\//);
    for (const key of ['resource', 'path', 'httpMethod', 'pathParameters']) {
      assert.equal(key in event, false, `the authorizer event has no ${key} key`);
    }
    await client.close();
  });

  it('11.96 the methodArn follows the configured region, account, apiId and stage', async () => {
    const { url, authorizerEvents } = await startAuthorizedGateway(
      (event) => policy('user-1', allow(event.methodArn)),
      {},
      { region: 'eu-west-1', accountId: '123456789012', apiId: 'abcdef1234', stage: 'prod' },
    );
    assert.match(url, /\/prod$/);
    const client = await connect(url, { headers: { Auth: 'x' } });
    assert.equal(
      (await authorizerEvents.nth(1)).methodArn,
      'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/$connect',
    );
    await client.close();
  });

  it('11.97 the authorizer event headers include Connection and Upgrade', async () => {
    const { url, authorizerEvents, connects } = await startAuthorizedGateway(allowConnect);
    const client = await connect(url, { headers: { Auth: 'x', 'X-Custom': 'Kept' } });
    const event = await authorizerEvents.nth(1);
    const names = Object.keys(event.headers).map((name) => name.toLowerCase());
    assert.ok(names.includes('connection'), `headers: ${names.join(', ')}`);
    assert.ok(names.includes('upgrade'), `headers: ${names.join(', ')}`);
    assert.equal(event.headers.Auth, 'x');
    assert.equal(event.headers['X-Custom'], 'Kept');
    assert.deepEqual(event.multiValueHeaders.Auth, ['x']);
    // Checklist 14: the $connect event itself has neither.
    const connectNames = Object.keys((await connects.nth(1)).headers).map((name) => name.toLowerCase());
    assert.equal(connectNames.includes('connection'), false);
    assert.equal(connectNames.includes('upgrade'), false);
    await client.close();
  });

  it('11.98 queryStringParameters, multiValueQueryStringParameters and stageVariables are {} when empty', async () => {
    const { url, authorizerEvents } = await startAuthorizedGateway(allowConnect);
    const client = await connect(url, { headers: { Auth: 'x' } });
    const event = await authorizerEvents.nth(1);
    assert.deepEqual(event.queryStringParameters, {});
    assert.deepEqual(event.multiValueQueryStringParameters, {});
    assert.deepEqual(event.stageVariables, {});
    await client.close();
  });

  it('11.98 query parameters and stage variables are passed when present', async () => {
    const { url, authorizerEvents } = await startAuthorizedGateway(
      allowConnect,
      {},
      { stageVariables: { env: 'test' } },
    );
    const client = await connect(url, { headers: { Auth: 'x' }, query: '?a=1&b=2&b=3' });
    const event = await authorizerEvents.nth(1);
    assert.deepEqual(event.queryStringParameters, { a: '1', b: '3' });
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1'], b: ['2', '3'] });
    assert.deepEqual(event.stageVariables, { env: 'test' });
    await client.close();
  });

  it('11.99 the authorizer event requestContext has the CONNECT shape', async () => {
    const { url, authorizerEvents, connects } = await startAuthorizedGateway(allowConnect);
    const client = await connect(url, { headers: { Auth: 'x' } });
    const { requestContext } = await authorizerEvents.nth(1);
    const connectContext = (await connects.nth(1)).requestContext;
    assert.equal(requestContext.routeKey, '$connect');
    assert.equal(requestContext.eventType, 'CONNECT');
    assert.equal(requestContext.messageDirection, 'IN');
    assert.equal(requestContext.stage, 'dev');
    assert.equal(requestContext.apiId, 'local00000');
    assert.equal(requestContext.requestId, requestContext.extendedRequestId);
    assert.ok(Number.isInteger(requestContext.connectedAt));
    assert.ok(Number.isInteger(requestContext.requestTimeEpoch));
    assert.match(requestContext.requestTime, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/);
    assert.deepEqual(requestContext.identity, { sourceIp: '127.0.0.1' });
    assert.equal(typeof requestContext.domainName, 'string');
    // The connection the authorizer saw is the one that connects.
    assert.equal(requestContext.connectionId, connectContext.connectionId);
    assert.equal(requestContext.connectedAt, connectContext.connectedAt);
    assert.equal(requestContext.domainName, connectContext.domainName);
    await client.close();
  });

  it('11.100 principalId and stringified context appear in $connect, every MESSAGE and $disconnect', async () => {
    const { url, connects, messages, disconnects, gateway } = await startAuthorizedGateway(() => ({
      ...policy('user-7', allow(CONNECT_ARN)),
      context: { tenant: 't1', n: 1, b: true, f: false, zero: 0 },
    }));
    const expected = { principalId: 'user-7', tenant: 't1', n: '1', b: 'true', f: 'false', zero: '0' };
    const client = await connect(url, { headers: { Auth: 'x' } });
    assert.deepEqual((await connects.nth(1)).requestContext.authorizer, expected);
    client.send('one');
    assert.equal(await client.next(), 'ok');
    client.send('two');
    assert.equal(await client.next(), 'ok');
    assert.deepEqual((await messages.nth(1)).requestContext.authorizer, expected);
    assert.deepEqual((await messages.nth(2)).requestContext.authorizer, expected);
    await client.close(1000, 'bye');
    assert.deepEqual((await disconnects.nth(1)).requestContext.authorizer, expected);
    await gateway.close();
    assert.equal(disconnects.events.length, 1);
  });

  it('11.100 without an authorizer, events carry no requestContext.authorizer', async () => {
    const connects = new EventRecorder();
    const { url } = await startGateway({
      routes: {
        $connect: {
          handler: async (event: RecordedEvent) => {
            connects.record(event);
            return { statusCode: 200 };
          },
        },
      },
    });
    const client = await connect(url);
    assert.equal('authorizer' in (await connects.nth(1)).requestContext, false);
    await client.close();
  });

  it('11.101 the authorizer is invoked on every new connection (no result cache)', async () => {
    let answers = 0;
    const { url, authorizerEvents } = await startAuthorizedGateway(() => {
      answers++;
      // The second connection is refused: a cached first answer would admit it.
      return answers === 2 ? policy('user-1', deny(CONNECT_ARN)) : allowConnect();
    });
    const first = await connect(url, { headers: { Auth: 'same-token' } });
    assert.equal(await handshakeStatus(url, { headers: { Auth: 'same-token' } }), 403);
    const third = await connect(url, { headers: { Auth: 'same-token' } });
    assert.equal(authorizerEvents.events.length, 3);
    const ids = new Set(authorizerEvents.events.map((event) => event.requestContext.connectionId));
    assert.equal(ids.size, 3);
    await first.close();
    await third.close();
  });
});
