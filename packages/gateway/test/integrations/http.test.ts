import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { HttpIntegrationDefinition } from '../../src/definition.ts';
import { ConfigError } from '../../src/errors.ts';
import type { WebSocketEvent } from '../../src/events.ts';
import { connectEvent, disconnectEvent, messageEvent } from '../../src/events.ts';
import { httpIntegration } from '../../src/integrations/http.ts';
import { IntegrationTimeoutError } from '../../src/integrations/integration.ts';
import { TEST_CONNECTION_FACTS } from '../support/connection-facts.ts';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP backend on 127.0.0.1 that records requests and answers with `reply`. */
class Backend {
  readonly received: Received[] = [];
  reply: (request: Received, response: ServerResponse) => void = (_request, response) => response.end('ok');
  readonly #server: Server;

  constructor() {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received = {
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.received.push(received);
        this.reply(received, response);
      });
    });
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The only request received since the last reset. */
  get last(): Received {
    assert.equal(this.received.length, 1, 'the backend should have received exactly one request');
    return this.received[0] as Received;
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }
}

const facts = TEST_CONNECTION_FACTS;

function message(body: string, routeKey = 'sendmessage'): WebSocketEvent {
  return messageEvent(facts, routeKey, body, 'req-1', 'msg-1', Date.now());
}

function connect(query?: Record<string, string[]>): WebSocketEvent {
  const headers = { Host: '127.0.0.1', 'X-Client': 'web', 'Sec-WebSocket-Version': '13' };
  return connectEvent(
    facts,
    {
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      query: query && {
        single: Object.fromEntries(Object.entries(query).map(([name, values]) => [name, values.at(-1) as string])),
        multi: query,
      },
    },
    'req-0',
    Date.now(),
  );
}

const deadline = (): number => Date.now() + 2000;

describe('httpIntegration', () => {
  const backend = new Backend();
  before(() => backend.listen());
  after(() => backend.close());
  beforeEach(() => {
    backend.received.length = 0;
    backend.reply = (_request, response) => response.end('ok');
  });

  function integration(definition: Omit<HttpIntegrationDefinition, 'uri'> & { uri?: string }, stage = {}) {
    return httpIntegration({ uri: `${backend.origin}/hook`, ...definition }, { stageVariables: stage });
  }

  describe('HTTP_PROXY', () => {
    it('11.102 an HTTP_PROXY integration forwards the message body with the configured method', async () => {
      const put = integration({ type: 'HTTP_PROXY', method: 'PUT' });
      await put.invoke({ event: message('{"action":"sendmessage","text":"hi"}'), deadline: deadline() });
      assert.equal(backend.last.method, 'PUT');
      assert.equal(backend.last.url, '/hook');
      assert.equal(backend.last.body, '{"action":"sendmessage","text":"hi"}');

      backend.received.length = 0;
      await integration({ type: 'HTTP_PROXY' }).invoke({ event: message('plain text'), deadline: deadline() });
      assert.equal(backend.last.method, 'POST', 'POST is the default method');
      assert.equal(backend.last.body, 'plain text');
    });

    it('11.103 mapping context.connectionId to integration.request.header.connectionId sends a connectionId header', async () => {
      const proxy = integration({
        type: 'HTTP_PROXY',
        requestParameters: { 'integration.request.header.connectionId': 'context.connectionId' },
      });
      await proxy.invoke({ event: message('{}'), deadline: deadline() });
      assert.equal(backend.last.headers.connectionid, facts.connectionId);
    });

    it('11.103 without a mapping the backend gets no connectionId', async () => {
      await integration({ type: 'HTTP_PROXY' }).invoke({ event: message('{}'), deadline: deadline() });
      assert.equal(backend.last.headers.connectionid, undefined);
      assert.ok(!backend.last.url.includes(facts.connectionId));
    });

    it('11.106 the result carries the backend status and response body', async () => {
      backend.reply = (_request, response) => {
        response.writeHead(201, { 'content-type': 'application/json' });
        response.end('{"reply":"pong"}');
      };
      const result = await integration({ type: 'HTTP_PROXY' }).invoke({ event: message('ping'), deadline: deadline() });
      assert.deepEqual(result, { statusCode: 201, body: '{"reply":"pong"}' });
    });

    it('an empty backend body gives a result without body, so nothing is sent', async () => {
      backend.reply = (_request, response) => {
        response.writeHead(204);
        response.end();
      };
      const result = await integration({ type: 'HTTP_PROXY' }).invoke({ event: message('ping'), deadline: deadline() });
      assert.deepEqual(result, { statusCode: 204 });
    });

    it('on $connect the backend status decides, and the request carries no body', async () => {
      backend.reply = (_request, response) => {
        response.writeHead(403);
        response.end('Forbidden');
      };
      const result = await integration({ type: 'HTTP_PROXY' }).invoke({ event: connect(), deadline: deadline() });
      assert.equal(result.statusCode, 403);
      assert.equal(backend.last.body, '');
    });

    it(`substitutes \${stageVariables.NAME} in the URI`, async () => {
      const port = new URL(backend.origin).port;
      const proxy = httpIntegration(
        { type: 'HTTP_PROXY', uri: `http://127.0.0.1:\${stageVariables.port}/\${stageVariables.prefix}/in` },
        { stageVariables: { port, prefix: 'v1' } },
      );
      await proxy.invoke({ event: message('x'), deadline: deadline() });
      assert.equal(backend.last.url, '/v1/in');
    });
  });

  describe('requestParameters', () => {
    it('11.104 route.request.querystring mapping resolves on $connect only', async () => {
      const proxy = integration({
        type: 'HTTP_PROXY',
        requestParameters: {
          'integration.request.querystring.token': 'route.request.querystring.token',
          'integration.request.header.x-client': 'route.request.header.x-client',
          'integration.request.querystring.tag': 'route.request.multivaluequerystring.tag',
        },
      });
      await proxy.invoke({ event: connect({ token: ['abc'], tag: ['a', 'b'] }), deadline: deadline() });
      assert.equal(backend.last.url, '/hook?token=abc&tag=a&tag=b');
      assert.equal(backend.last.headers['x-client'], 'web', 'header sources are looked up ignoring case');

      backend.received.length = 0;
      await proxy.invoke({ event: message('{"token":"abc"}'), deadline: deadline() });
      assert.equal(backend.last.url, '/hook', 'on a message route the handshake sources resolve to nothing');
      assert.equal(backend.last.headers['x-client'], undefined);

      // $disconnect events carry fixed headers (spec 1.4), yet they are no handshake to map from.
      const hostMapping = integration({
        type: 'HTTP_PROXY',
        requestParameters: { 'integration.request.header.x-host': 'route.request.header.Host' },
      });
      backend.received.length = 0;
      await hostMapping.invoke({ event: connect(), deadline: deadline() });
      assert.equal(backend.last.headers['x-host'], '127.0.0.1');
      backend.received.length = 0;
      await hostMapping.invoke({
        event: disconnectEvent(facts, 1000, 'bye', 'req-2', Date.now()),
        deadline: deadline(),
      });
      assert.equal(backend.last.headers['x-host'], undefined);
    });

    it('11.105 route.request.body mapping works on message routes', async () => {
      const proxy = integration({
        type: 'HTTP_PROXY',
        uri: `${backend.origin}/rooms/{room}`,
        requestParameters: {
          'integration.request.header.x-user': 'route.request.body.$.user.name',
          'integration.request.header.x-first': 'route.request.body.items[0]',
          'integration.request.header.x-missing': 'route.request.body.$.nope',
          'integration.request.querystring.count': 'route.request.body.$.count',
          'integration.request.path.room': 'route.request.body.$.room',
        },
      });
      const body = '{"user":{"name":"ada"},"items":["i0"],"count":3,"room":"a b"}';
      await proxy.invoke({ event: message(body), deadline: deadline() });
      assert.equal(backend.last.headers['x-user'], 'ada');
      assert.equal(backend.last.headers['x-first'], 'i0');
      assert.equal(backend.last.headers['x-missing'], undefined, 'an unresolvable source leaves its header out');
      assert.equal(backend.last.url, '/rooms/a%20b?count=3');

      backend.received.length = 0;
      await proxy.invoke({ event: message('not json'), deadline: deadline() });
      assert.equal(backend.last.headers['x-user'], undefined, 'a non-JSON body resolves to nothing');
    });

    it('maps static values, stage variables and context variables', async () => {
      const proxy = integration(
        {
          type: 'HTTP_PROXY',
          requestParameters: {
            'integration.request.header.x-static': "'fixed value'",
            'integration.request.header.x-env': 'stageVariables.env',
            'integration.request.header.x-route': 'context.routeKey',
            'integration.request.header.x-ip': 'context.identity.sourceIp',
            'integration.request.header.x-unknown': 'context.noSuchVariable',
          },
        },
        { env: 'test' },
      );
      await proxy.invoke({ event: message('{}'), deadline: deadline() });
      const { headers } = backend.last;
      assert.equal(headers['x-static'], 'fixed value');
      assert.equal(headers['x-env'], 'test');
      assert.equal(headers['x-route'], 'sendmessage');
      assert.equal(headers['x-ip'], '127.0.0.1');
      assert.equal(headers['x-unknown'], undefined);
    });

    it('rejects an invalid mapping key with a ConfigError naming the entry', () => {
      assert.throws(
        () =>
          httpIntegration(
            {
              type: 'HTTP_PROXY',
              uri: backend.origin,
              requestParameters: { 'integration.response.header.x': 'context.connectionId' },
            },
            { stageVariables: {}, configPath: 'routes.sendmessage.integration' },
          ),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.code, 'SB_ERR_CONFIG');
          assert.equal(
            error.location.path,
            'routes.sendmessage.integration.requestParameters.integration.response.header.x',
          );
          assert.match(error.message, /integration\.request\.header\.NAME/);
          return true;
        },
      );
    });

    it('rejects invalid mapping names and sources', () => {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ 'integration.request.header.bad name': "'x'" }, /must match/],
        [{ 'integration.request.header.x': 'route.request.cookie.x' }, /is not one of/],
        [{ 'integration.request.header.x': 'method.request.header.x' }, /is not one of/],
        [{ 'integration.request.header.x': 'route.request.body.$..deep' }, /unsupported JSONPath/],
        [{ 'integration.request.path.room': "'r'" }, /no \{room\} placeholder/],
        [{ 'integration.request.header.Connection': "'close'" }, /managed by the HTTP connection/],
      ];
      for (const [requestParameters, problem] of cases) {
        assert.throws(
          () => httpIntegration({ type: 'HTTP_PROXY', uri: backend.origin, requestParameters }, { stageVariables: {} }),
          (error: unknown) => error instanceof ConfigError && problem.test(error.message),
          `${JSON.stringify(requestParameters)} should be rejected with ${problem}`,
        );
      }
    });
  });

  describe('HTTP (non-proxy)', () => {
    it('11.107 selects the integration response by a status-code regex with a $default fallback', async () => {
      const http = integration({
        type: 'HTTP',
        responses: {
          '/2\\d\\d/': { template: '{"ok":true,"echo":$input.json(\'$.value\')}' },
          $default: { template: '{"ok":false,"status":"$input.path(\'$.error\')"}' },
        },
      });
      backend.reply = (_request, response) => {
        response.writeHead(202);
        response.end('{"value":[1,2]}');
      };
      assert.deepEqual(await http.invoke({ event: message('{}'), deadline: deadline() }), {
        statusCode: 202,
        body: '{"ok":true,"echo":[1,2]}',
      });

      backend.reply = (_request, response) => {
        response.writeHead(500);
        response.end('{"error":"boom"}');
      };
      assert.deepEqual(await http.invoke({ event: message('{}'), deadline: deadline() }), {
        statusCode: 500,
        body: '{"ok":false,"status":"boom"}',
      });
    });

    it('11.107 a regex must match the whole status code, and a response without template passes the body through', async () => {
      const http = integration({
        type: 'HTTP',
        responses: { '/2/': { template: 'partial match' }, '/4\\d\\d/': {} },
      });
      backend.reply = (_request, response) => {
        response.writeHead(404);
        response.end('not here');
      };
      assert.deepEqual(await http.invoke({ event: message('{}'), deadline: deadline() }), {
        statusCode: 404,
        body: 'not here',
      });
      backend.reply = (_request, response) => response.end('no key matches 200');
      assert.deepEqual(await http.invoke({ event: message('{}'), deadline: deadline() }), {
        statusCode: 200,
        body: 'no key matches 200',
      });
    });

    it('11.108 a request template selected by templateSelectionExpression renders $context.connectionId, $input.body and $input.json', async () => {
      const http = integration({
        type: 'HTTP',
        templateSelectionExpression: `\${request.body.kind}`,
        requestTemplates: {
          chat: '{"id":"$context.connectionId","raw":$input.body,"x":$input.json(\'$.x\'),"stage":"$stageVariables.env"}',
          $default: "default:$input.path('$.kind')",
        },
      });
      await http.invoke({ event: message('{"kind":"chat","x":{"y":1}}'), deadline: deadline() });
      assert.deepEqual(JSON.parse(backend.last.body), {
        id: facts.connectionId,
        raw: { kind: 'chat', x: { y: 1 } },
        x: { y: 1 },
        stage: '',
      });

      backend.received.length = 0;
      await http.invoke({ event: message('{"kind":"other"}'), deadline: deadline() });
      assert.equal(backend.last.body, 'default:other', 'an unmatched selection falls back to $default');
    });

    it('11.108 without a matching template the raw body passes through', async () => {
      const http = integration({
        type: 'HTTP',
        templateSelectionExpression: `\${request.body.kind}`,
        requestTemplates: { chat: 'templated' },
      });
      await http.invoke({ event: message('{"kind":"other"}'), deadline: deadline() });
      assert.equal(backend.last.body, '{"kind":"other"}');
    });

    it('renders a request template on $connect', async () => {
      const http = integration({
        type: 'HTTP',
        requestTemplates: { $default: '{"connectionId":"$context.connectionId","route":"$context.routeKey"}' },
      });
      await http.invoke({ event: connect(), deadline: deadline() });
      assert.deepEqual(JSON.parse(backend.last.body), { connectionId: facts.connectionId, route: '$connect' });
    });

    it('rejects templates and responses on HTTP_PROXY, and bad response keys', () => {
      assert.throws(
        () =>
          httpIntegration(
            { type: 'HTTP_PROXY', uri: backend.origin, requestTemplates: { $default: '$input.body' } },
            { stageVariables: {}, configPath: 'routes.a.integration' },
          ),
        (error: unknown) =>
          error instanceof ConfigError && error.location.path === 'routes.a.integration.requestTemplates',
      );
      assert.throws(
        () =>
          httpIntegration(
            { type: 'HTTP', uri: backend.origin, responses: { '2\\d\\d': {} } },
            { stageVariables: {}, configPath: 'routes.a.integration' },
          ),
        (error: unknown) =>
          error instanceof ConfigError && error.location.path === 'routes.a.integration.responses.2\\d\\d',
      );
      assert.throws(
        () => httpIntegration({ type: 'HTTP', uri: backend.origin, responses: { '/(/': {} } }, { stageVariables: {} }),
        /not a valid regex/,
      );
      assert.throws(
        () =>
          httpIntegration(
            { type: 'HTTP', uri: backend.origin, templateSelectionExpression: '$request.header.x' },
            { stageVariables: {} },
          ),
        (error: unknown) =>
          error instanceof ConfigError && error.location.path === 'integration.templateSelectionExpression',
      );
    });
  });

  describe('definition and failures', () => {
    it('rejects a bad uri, an undefined stage variable and a bad method', () => {
      const cases: Array<[HttpIntegrationDefinition, Record<string, string>, RegExp]> = [
        [{ type: 'HTTP_PROXY', uri: 'not a url' }, {}, /not a valid URL/],
        [{ type: 'HTTP_PROXY', uri: 'ftp://127.0.0.1/x' }, {}, /must use http/],
        [{ type: 'HTTP_PROXY', uri: `http://\${stageVariables.host}/x` }, {}, /stage variable "host"/],
        [{ type: 'HTTP_PROXY', uri: backend.origin, method: 'PO ST' }, {}, /HTTP method/],
        [{ type: 'LAMBDA' as 'HTTP', uri: backend.origin }, {}, /type must be HTTP or HTTP_PROXY/],
      ];
      for (const [definition, stageVariables, problem] of cases) {
        assert.throws(
          () => httpIntegration(definition, { stageVariables }),
          (error: unknown) => error instanceof ConfigError && problem.test(error.message),
          `${JSON.stringify(definition)} should be rejected with ${problem}`,
        );
      }
    });

    it('rejects when the backend is unreachable', async () => {
      const closed = new Backend();
      await closed.listen();
      const origin = closed.origin;
      await closed.close();
      const proxy = httpIntegration({ type: 'HTTP_PROXY', uri: `${origin}/x` }, { stageVariables: {} });
      await assert.rejects(proxy.invoke({ event: message('x'), deadline: deadline() }), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.ok(!(error instanceof IntegrationTimeoutError));
        assert.match(error.message, /^HTTP integration POST http:\/\/127\.0\.0\.1:\d+\/x failed: .*ECONNREFUSED/);
        return true;
      });
    });

    it('rejects with IntegrationTimeoutError when the backend does not answer before the deadline', async () => {
      const answered: Array<() => void> = [];
      backend.reply = (_request, response) => answered.push(() => response.end('late'));
      try {
        await assert.rejects(
          integration({ type: 'HTTP_PROXY' }).invoke({ event: message('x'), deadline: Date.now() + 100 }),
          IntegrationTimeoutError,
        );
      } finally {
        for (const answer of answered) answer();
      }
    });

    it('rejects with IntegrationTimeoutError when the deadline has already passed', async () => {
      await assert.rejects(
        integration({ type: 'HTTP_PROXY' }).invoke({ event: message('x'), deadline: Date.now() - 1 }),
        IntegrationTimeoutError,
      );
      assert.equal(backend.received.length, 0);
    });
  });

  describe('response body limit', () => {
    const limited = (maxResponseBytes: number) =>
      httpIntegration({ uri: `${backend.origin}/hook`, type: 'HTTP_PROXY' }, { stageVariables: {}, maxResponseBytes });

    it('reads a body up to the limit', async () => {
      backend.reply = (_request, response) => response.end('x'.repeat(1000));
      const result = await limited(1000).invoke({ event: message('x'), deadline: deadline() });
      assert.equal(result.body, 'x'.repeat(1000));
    });

    it('refuses a larger body announced by Content-Length', async () => {
      backend.reply = (_request, response) => response.end('x'.repeat(1001));
      await assert.rejects(limited(1000).invoke({ event: message('x'), deadline: deadline() }), /over 1000 bytes/);
    });

    it('stops reading a larger chunked body at the limit', async () => {
      const planned = 50 * 1024 * 1024;
      let written = 0;
      backend.reply = (_request, response) => {
        // Chunked (no Content-Length), written as fast as the reader takes it, until cut off.
        const chunk = Buffer.alloc(64 * 1024, 'y');
        const pump = (): void => {
          while (!response.destroyed && written < planned) {
            written += chunk.length;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
          response.end();
        };
        pump();
      };
      await assert.rejects(limited(100_000).invoke({ event: message('x'), deadline: deadline() }), /over 100000 bytes/);
      assert.ok(written < planned, 'the whole body was read');
    });
  });
});
