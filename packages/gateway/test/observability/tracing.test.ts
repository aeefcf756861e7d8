/**
 * The gateway's OpenTelemetry spans (observability/tracing.ts) for every outcome
 * of a request, with a tracer from the SDK and its in-memory exporter: a route
 * span per handshake and message with the access log's status, its authorizer
 * and integration steps as children, errors marked, and the handler's own spans
 * (through `@opentelemetry/api`) below the integration span. Without a tracer
 * the gateway makes no span at all. (The OTLP export end to end is in the chat's
 * otlp-tracing.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { GatewayDefinition } from '../../src/definition.ts';
import { TraceAttribute } from '../../src/observability/tracing.ts';
import { ALLOW_ANY, connect, handshakeStatus, startGateway, withTimeout } from '../support/gateway-harness.ts';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager();
const tracer = provider.getTracer('test');

before(() => {
  context.setGlobalContextManager(contextManager.enable());
});
after(async () => {
  await provider.shutdown();
  context.disable();
});

const definition: GatewayDefinition = {
  authorizer: {
    identitySource: ['route.request.querystring.token'],
    handler: async (event: { queryStringParameters?: Record<string, string> }) => {
      if (event.queryStringParameters?.token === 'good') return ALLOW_ANY;
      const [statement] = ALLOW_ANY.policyDocument.Statement;
      return {
        ...ALLOW_ANY,
        policyDocument: { ...ALLOW_ANY.policyDocument, Statement: [{ ...statement, Effect: 'Deny' }] },
      };
    },
  },
  routes: {
    $connect: { handler: async () => ({ statusCode: 200 }) },
    $disconnect: { handler: async () => ({ statusCode: 200 }) },
    echo: {
      routeResponse: true,
      handler: async (event: { body: string }) => {
        // A handler's own span: a child of the integration span through async context.
        await tracer.startActiveSpan('handler work', async (span) => span.end());
        return { statusCode: 200, body: event.body };
      },
    },
    fail: {
      handler: async () => {
        throw new Error('boom');
      },
    },
    strict: {
      model: { type: 'object', required: ['action', 'n'], properties: { n: { type: 'number' } } },
      handler: async () => ({ statusCode: 200 }),
    },
  },
};

const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);
const children = (parent: ReadableSpan): ReadableSpan[] =>
  exporter
    .getFinishedSpans()
    .filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)
    .sort((a, b) => a.name.localeCompare(b.name));

/** Waits (bounded) until `count` spans named `name` have ended. */
async function ended(name: string, count = 1): Promise<ReadableSpan[]> {
  await withTimeout(
    (async () => {
      while (named(name).length < count) await new Promise((resolve) => setTimeout(resolve, 10));
    })(),
    5000,
    `${count} ${name} spans did not end`,
  );
  return named(name);
}

describe('gateway tracing', () => {
  it('traces handshakes: route $connect with its authorizer and integration, refusals with their status', async () => {
    const { url } = await startGateway(definition, { tracer });
    assert.equal(await handshakeStatus(url, { query: '?token=bad' }), 403);
    assert.equal(await handshakeStatus(url), 401);
    const client = await connect(url, { query: '?token=good' });
    await client.close();

    const connects = await ended('route $connect', 3);
    const byStatus = new Map(connects.map((span) => [span.attributes[TraceAttribute.status], span]));
    const accepted = byStatus.get(101)!;
    assert.equal(accepted.parentSpanContext, undefined);
    assert.equal(accepted.attributes[TraceAttribute.routeKey], '$connect');
    assert.equal(accepted.attributes[TraceAttribute.integrationStatus], 200);
    assert.deepEqual(
      children(accepted).map((span) => span.name),
      ['authorizer', 'integration $connect'],
    );
    const refused = byStatus.get(403)!;
    const [authorizer] = children(refused);
    assert.equal(authorizer?.name, 'authorizer');
    // No identity source: the authorizer step refuses with 401 without invoking the function.
    assert.deepEqual(
      children(byStatus.get(401)!).map((span) => span.name),
      ['authorizer'],
    );

    const [disconnect] = await ended('route $disconnect');
    assert.equal(disconnect!.attributes[TraceAttribute.connectionId], accepted.attributes[TraceAttribute.connectionId]);
    assert.deepEqual(
      children(disconnect!).map((span) => span.name),
      ['integration $disconnect'],
    );
  });

  it('traces messages with the access log status: 200, 400 (model), 403 (no route), 500 (integration error)', async () => {
    // Without a tracer the gateway makes no span.
    const { url } = await startGateway(definition);
    const gatewaySpans = () => exporter.getFinishedSpans().filter((span) => span.name !== 'handler work').length;
    const before = gatewaySpans();
    const untraced = await connect(url, { query: '?token=good' });
    untraced.send({ action: 'echo', x: 1 });
    await untraced.next();
    await untraced.close();
    assert.equal(gatewaySpans(), before);

    const traced = await startGateway(definition, { tracer });
    const client = await connect(traced.url, { query: '?token=good' });
    client.send({ action: 'echo', text: 'hi' });
    await client.next();
    client.send({ action: 'strict', n: 'not a number' });
    await client.next();
    client.send({ action: 'nowhere' });
    await client.next();
    client.send({ action: 'fail' });
    await client.next();

    const [echo] = await ended('route echo');
    assert.equal(echo!.attributes[TraceAttribute.status], 200);
    const [integration] = children(echo!);
    assert.equal(integration!.name, 'integration echo');
    assert.deepEqual(
      children(integration!).map((span) => span.name),
      ['handler work'],
    );
    assert.equal((await ended('route strict'))[0]!.attributes[TraceAttribute.status], 400);
    assert.deepEqual(children(named('route strict')[0]!), []);
    assert.equal((await ended('route $default'))[0]!.attributes[TraceAttribute.status], 403);

    const [failed] = await ended('route fail');
    assert.equal(failed!.attributes[TraceAttribute.status], 500);
    assert.equal(failed!.status.code, SpanStatusCode.ERROR);
    const [failedIntegration] = children(failed!);
    assert.equal(failedIntegration!.status.code, SpanStatusCode.ERROR);
    assert.equal(failedIntegration!.events[0]?.name, 'exception');
    await client.close();
    assert.equal(trace.getActiveSpan(), undefined);
  });
});
