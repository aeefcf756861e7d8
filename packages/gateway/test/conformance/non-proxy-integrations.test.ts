/**
 * Non-proxy integrations end to end (spec 7, checklist 107-108): MOCK and Lambda
 * non-proxy routes with request templates chosen by templateSelectionExpression,
 * integration responses chosen by status or errorMessage pattern, response templates
 * chosen by their own selection expression, passthrough behaviours and route responses.
 * Real `ws` clients, a real gateway, module handlers in worker threads.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  assertErrorFrame,
  connect,
  handshakeStatus,
  startGateway,
  startHttpBackend,
} from '../support/gateway-harness.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'integrations', 'fixtures');

/** A MOCK $connect that admits a client with the right ticket (query string) and refuses others. */
const TICKET_CHECK = `#if($input.params('ticket') == $stageVariables.ticket)
{"statusCode": 200}
#elseif($input.params('ticket') == '')
{"statusCode": 401}
#else
{"statusCode": 403}
#end`;

describe('conformance: MOCK integrations', () => {
  it('a MOCK $connect accepts or refuses the handshake by the status its request template gives', async () => {
    const { url } = await startGateway({
      stageVariables: { ticket: 'open-sesame' },
      routes: {
        $connect: { integration: { type: 'MOCK', requestTemplates: { $default: TICKET_CHECK } } },
        $default: { integration: { type: 'MOCK', requestTemplates: { $default: '{"statusCode": 200}' } } },
      },
    });
    const client = await connect(url, { query: '?ticket=open-sesame' });
    await client.close();
    assert.equal(await handshakeStatus(url), 401);
    assert.equal(await handshakeStatus(url, { query: '?ticket=wrong' }), 403);
  });

  it('a MOCK $connect without a request template accepts (status 200)', async () => {
    const { url } = await startGateway({ routes: { $connect: { integration: { type: 'MOCK' } } } });
    const client = await connect(url);
    await client.close();
  });

  it('selects the request template by templateSelectionExpression and the integration response by status pattern', async () => {
    const { url } = await startGateway({
      routes: {
        $default: {
          routeResponse: true,
          integration: {
            type: 'MOCK',
            templateSelectionExpression: '${request.body.kind}',
            requestTemplates: {
              ping: '{"statusCode": 200}',
              teapot: '{"statusCode": 418}',
              $default: '{"statusCode": 500}',
            },
            responses: {
              '/2\\d\\d/': { template: '{"pong":"$context.connectionId","kind":$input.json(\'$.kind\')}' },
              '/4\\d\\d/': { template: '{"error":"client","status":"$context.routeKey"}' },
              $default: { template: '{"error":"server"}' },
            },
          },
        },
      },
    });
    const client = await connect(url);
    client.send({ kind: 'ping' });
    const pong = JSON.parse(await client.next());
    assert.match(pong.pong, /^[A-Za-z0-9_-]{15}=$/);
    // The mock has no response body: `$input` of a response template is empty.
    assert.equal(pong.kind, '');
    client.send({ kind: 'teapot' });
    assert.deepEqual(JSON.parse(await client.next()), { error: 'client', status: '$default' });
    client.send('not json at all');
    assert.deepEqual(JSON.parse(await client.next()), { error: 'server' });
    await client.close();
  });

  it('a response templateSelectionExpression chooses among the response templates, with $default as fallback', async () => {
    const { url } = await startGateway({
      routes: {
        status: {
          routeResponse: true,
          integration: {
            type: 'MOCK',
            templateSelectionExpression: '${request.body.code}',
            requestTemplates: { '201': '{"statusCode": 201}', '204': '{"statusCode": 204}' },
            responses: {
              $default: {
                templateSelectionExpression: '${integration.response.statuscode}-${request.body.lang}',
                templates: {
                  '201-fr': '{"message":"créé"}',
                  $default: '{"message":"status $input.params(\'missing\')done"}',
                },
              },
            },
          },
        },
      },
    });
    const client = await connect(url);
    client.send({ action: 'status', code: 201, lang: 'fr' });
    assert.deepEqual(JSON.parse(await client.next()), { message: 'créé' });
    client.send({ action: 'status', code: 201, lang: 'en' });
    assert.deepEqual(JSON.parse(await client.next()), { message: 'status done' });
    await client.close();
  });

  it('a one-way route (no routeResponse) sends nothing back, whatever its integration responses say', async () => {
    const { url } = await startGateway({
      routes: {
        $default: {
          integration: {
            type: 'MOCK',
            requestTemplates: { $default: '{"statusCode": 200}' },
            responses: { $default: { template: 'should not arrive' } },
          },
        },
      },
    });
    const client = await connect(url);
    client.send('hello');
    assert.equal(await client.silentFor(300), true);
    await client.close();
  });

  it('a statusCode outside 100-599 fails the route with Internal server error', async () => {
    const { url } = await startGateway({
      routes: {
        $default: {
          routeResponse: true,
          integration: { type: 'MOCK', requestTemplates: { $default: '{"statusCode": 42}' } },
        },
      },
    });
    const client = await connect(url);
    client.send('x');
    assertInternalError(await client.next());
    await client.close();
  });
});

describe('conformance: passthrough behaviours', () => {
  const echo = (passthroughBehavior: 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER', templates: boolean) => ({
    routeResponse: true,
    integration: {
      type: 'HTTP' as const,
      uri: '',
      passthroughBehavior,
      templateSelectionExpression: '${request.body.shape}',
      ...(templates && { requestTemplates: { wrapped: '{"wrapped":$input.json(\'$.value\')}' } }),
    },
  });

  for (const [behavior, templates, passes] of [
    ['WHEN_NO_MATCH', true, true],
    ['WHEN_NO_TEMPLATES', false, true],
    ['WHEN_NO_TEMPLATES', true, false],
    ['NEVER', false, false],
    ['NEVER', true, false],
  ] as const) {
    it(`${behavior} ${templates ? 'with' : 'without'} templates ${passes ? 'passes an unmatched message through' : 'refuses an unmatched message'}`, async () => {
      const backend = await startHttpBackend((request) => ({ body: `backend got ${request.body}` }));
      const route = echo(behavior, templates);
      route.integration.uri = backend.url;
      const { url } = await startGateway({ routes: { $default: route } });
      const client = await connect(url);
      if (templates) {
        client.send({ shape: 'wrapped', value: 7 });
        assert.equal(await client.next(), 'backend got {"wrapped":7}');
      }
      client.send({ shape: 'other', value: 8 });
      const answer = await client.next();
      if (passes) assert.equal(answer, 'backend got {"shape":"other","value":8}');
      else assertInternalError(answer);
      await client.close();
    });
  }
});

describe('conformance: Lambda non-proxy integrations', () => {
  const lookupRoute = {
    handler: join(fixtures, 'non-proxy-handlers.mjs#lookup'),
    routeResponse: true,
    integration: {
      type: 'AWS' as const,
      requestTemplates: {
        $default: '{"sku":"$util.escapeJavaScript($input.path(\'$.sku\'))","connection":"$context.connectionId"}',
      },
      responses: {
        '/Not found.*/': {
          template: '{"found":false,"reason":"$util.escapeJavaScript($input.path(\'$.errorMessage\'))"}',
        },
        '/.+/': { template: '{"error":"$input.path(\'$.errorType\')"}' },
        $default: {
          template:
            '#set($item = $input.path(\'$\')){"sku":$input.json(\'$.sku\'),"stock":$item.stock,"tags":[#foreach($t in $item.tags)"$t"#if($foreach.hasNext),#end#end],"mine":#if($item.connection == $context.connectionId)true#{else}false#end}',
        },
      },
    },
  };

  it('the request template builds the event, the response template shapes the route response', async () => {
    const { url } = await startGateway({ routes: { $default: lookupRoute } });
    const client = await connect(url);
    client.send({ sku: 'ab"c' });
    assert.deepEqual(JSON.parse(await client.next()), {
      sku: 'ab"c',
      stock: 40,
      tags: ['a', 'b'],
      mine: true,
    });
    await client.close();
  });

  it('a function error selects the integration response by its errorMessage', async () => {
    const { url } = await startGateway({ routes: { $default: lookupRoute } });
    const client = await connect(url);
    client.send({ sku: 'missing' });
    assert.deepEqual(JSON.parse(await client.next()), { found: false, reason: 'Not found: item missing' });
    client.send({ sku: 'broken' });
    assert.deepEqual(JSON.parse(await client.next()), { error: 'TypeError' });
    await client.close();
  });

  it('a template that renders no JSON fails the route (Lambda takes JSON payloads)', async () => {
    const { url } = await startGateway({
      routes: {
        $default: {
          handler: () => ({ ok: true }),
          routeResponse: true,
          integration: { type: 'AWS', requestTemplates: { $default: 'sku=$input.body' } },
        },
      },
    });
    const client = await connect(url);
    client.send('x');
    assertInternalError(await client.next());
    await client.close();
  });

  it('on $connect a function error refuses the handshake with 502, a success accepts it', async () => {
    const { url } = await startGateway({
      routes: {
        $connect: {
          handler: (event: { user?: string }) => {
            if (!event.user) throw new Error('no user');
            return {};
          },
          integration: { type: 'AWS', requestTemplates: { $default: '{"user":"$input.params(\'user\')"}' } },
        },
      },
    });
    assert.equal(await handshakeStatus(url), 502);
    const client = await connect(url, { query: '?user=ada' });
    await client.close();
  });
});

/** Asserts an `Internal server error` frame byte for byte, whatever its connection. */
function assertInternalError(frame: string): void {
  assertErrorFrame(frame, 'Internal server error', JSON.parse(frame).connectionId);
}

describe('conformance: content handling', () => {
  it('CONVERT_TO_BINARY sends the base64 message as bytes; CONVERT_TO_TEXT returns the backend bytes as base64', async () => {
    const backend = await startHttpBackend((request) => ({
      body: `${request.headers['content-length']} bytes: ${JSON.stringify(request.body)}`,
    }));
    const { url } = await startGateway({
      routes: {
        $default: {
          routeResponse: true,
          integration: {
            type: 'HTTP',
            uri: backend.url,
            contentHandling: 'CONVERT_TO_BINARY',
            responses: { $default: { contentHandling: 'CONVERT_TO_TEXT' } },
          },
        },
      },
    });
    const client = await connect(url);
    client.send(Buffer.from('\u0000ab').toString('base64'));
    const answer = Buffer.from(await client.next(), 'base64').toString('utf8');
    assert.equal(answer, '3 bytes: "\\u0000ab"');
    await client.close();
  });

  it('refuses CONVERT_TO_BINARY on an integration response at start-up: clients get text frames only', async () => {
    await assert.rejects(
      startGateway({
        routes: {
          $default: {
            integration: { type: 'MOCK', responses: { $default: { contentHandling: 'CONVERT_TO_BINARY' } } },
          },
        },
      }),
      (error: Error) =>
        /routes\.\$default\.integration\.responses\.\$default\.contentHandling: CONVERT_TO_BINARY/.test(error.message),
    );
  });
});
