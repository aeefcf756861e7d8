/**
 * Checklist 109-112 (spec 8): access logs end to end, written to a file and read
 * back after the gateway has closed (which flushes the log).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { GatewayDefinition } from '../../src/definition.ts';
import { connect, EventRecorder, startGateway } from '../support/gateway-harness.ts';

const directory = await mkdtemp(join(tmpdir(), 'switchboard-access-log-'));
after(() => rm(directory, { recursive: true, force: true }));
let files = 0;

/** Routes `join` and `$default`, both two-way, plus a `$connect` that records connection ids. */
function chatRoutes(connects: EventRecorder): GatewayDefinition['routes'] {
  const echo = async (event: { body: string }) => ({ statusCode: 200, body: event.body });
  return {
    $connect: {
      handler: async (event: Record<string, unknown>) => {
        connects.record(event);
        return { statusCode: 200 };
      },
    },
    join: { handler: echo, routeResponse: true },
    $default: { handler: echo, routeResponse: true },
  };
}

/**
 * Runs one connection through connect, a `join` message, an unmatched message
 * (falls back to `$default`) and a close, then returns the log's lines and the
 * connection id.
 */
async function logOneConnection(format: string): Promise<{ lines: string[]; connectionId: string }> {
  const destination = join(directory, `access-${++files}.log`);
  const connects = new EventRecorder();
  const { url, gateway } = await startGateway({ routes: chatRoutes(connects), accessLog: { format, destination } });
  const client = await connect(url);
  const { connectionId } = (await connects.nth(1)).requestContext;
  // Each answer is awaited before the next send, so the lines come in this order.
  client.send({ action: 'join' });
  assert.equal(await client.next(), '{"action":"join"}');
  client.send({ action: 'nosuchroute' });
  assert.equal(await client.next(), '{"action":"nosuchroute"}');
  await client.close(1000, 'done');
  await gateway.close();
  const text = await readFile(destination, 'utf8');
  assert.ok(text.endsWith('\n'), 'every line ends with a line break');
  return { lines: text.slice(0, -1).split('\n'), connectionId };
}

const CLF_TIME = String.raw`\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('conformance: access logs (spec 8)', () => {
  it('11.109 the CLF preset writes one line per connect, message and disconnect with eventType, routeKey and connectionId', async () => {
    const { lines, connectionId } = await logOneConnection('clf');
    const id = escapeRegExp(connectionId);
    const expected = [
      ['CONNECT', '\\$connect'],
      ['MESSAGE', 'join'],
      ['MESSAGE', '\\$default'],
      ['DISCONNECT', '\\$disconnect'],
    ];
    assert.equal(lines.length, expected.length, lines.join('\n'));
    lines.forEach((line, index) => {
      const [eventType, routeKey] = expected[index] as [string, string];
      assert.match(
        line,
        new RegExp(`^127\\.0\\.0\\.1 - - \\[${CLF_TIME}\\] "${eventType} ${routeKey} ${id}" 200 \\S+$`),
      );
    });
    const requestIds = lines.map((line) => line.split(' ').at(-1));
    assert.equal(new Set(requestIds).size, lines.length, 'each event has its own requestId');
  });

  it('11.110 the JSON preset renders valid JSON per event', async () => {
    const { lines, connectionId } = await logOneConnection('json');
    assert.equal(lines.length, 4, lines.join('\n'));
    const records = lines.map((line) => JSON.parse(line) as Record<string, string>);
    assert.deepEqual(
      records.map((record) => [record.eventType, record.routeKey, record.connectionId, record.status]),
      [
        ['CONNECT', '$connect', connectionId, '200'],
        ['MESSAGE', 'join', connectionId, '200'],
        ['MESSAGE', '$default', connectionId, '200'],
        ['DISCONNECT', '$disconnect', connectionId, '200'],
      ],
    );
    for (const record of records) {
      assert.deepEqual(Object.keys(record).sort(), [
        'caller',
        'connectionId',
        'eventType',
        'ip',
        'requestId',
        'requestTime',
        'routeKey',
        'status',
        'user',
      ]);
      assert.equal(record.ip, '127.0.0.1');
      assert.match(record.requestTime as string, new RegExp(`^${CLF_TIME}$`));
    }
  });

  it('11.110 the JSON preset stays valid JSON when values need escaping', async () => {
    const destination = join(directory, `access-${++files}.log`);
    const { url, gateway } = await startGateway({
      routes: { $default: { handler: async () => ({ statusCode: 200 }) } },
      accessLog: { format: '{"body":"$context.authorizer.note","route":"$context.routeKey"}', destination },
      authorizer: {
        handler: async () => ({
          principalId: 'p',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }],
          },
          context: { note: 'a "quoted"\nline\\' },
        }),
        identitySource: ['route.request.header.Auth'],
      },
    });
    const client = await connect(url, { headers: { Auth: 'x' } });
    await client.close();
    await gateway.close();
    const lines = (await readFile(destination, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    for (const line of lines) assert.equal(JSON.parse(line).body, 'a "quoted"\nline\\');
  });

  it('11.111 $context.routeKey equals the selected route, or $default on fallback', async () => {
    const { lines } = await logOneConnection('$context.eventType $context.routeKey');
    assert.deepEqual(lines, ['CONNECT $connect', 'MESSAGE join', 'MESSAGE $default', 'DISCONNECT $disconnect']);
  });

  it('11.112 a REST-only variable such as $context.httpMethod renders as -', async () => {
    const { lines } = await logOneConnection(
      '$context.eventType method=$context.httpMethod resource=$context.resourcePath protocol=$context.protocol',
    );
    assert.deepEqual(lines, [
      'CONNECT method=- resource=- protocol=-',
      'MESSAGE method=- resource=- protocol=-',
      'MESSAGE method=- resource=- protocol=-',
      'DISCONNECT method=- resource=- protocol=-',
    ]);
  });

  it('$context.integrationStatus and integrationLatency are filled on CONNECT and DISCONNECT lines too', async () => {
    const destination = join(directory, `access-${++files}.log`);
    const { url, gateway } = await startGateway({
      routes: {
        $connect: { handler: async () => ({ statusCode: 201 }) },
        $disconnect: { handler: async () => ({ statusCode: 202 }) },
        $default: {
          handler: async (event: { body: string }) => ({ statusCode: 203, body: event.body }),
          routeResponse: true,
        },
      },
      accessLog: { format: '$context.eventType $context.integrationStatus $context.integrationLatency', destination },
    });
    const client = await connect(url);
    client.send('hello');
    assert.equal(await client.next(), 'hello');
    await client.close();
    await gateway.close();
    const lines = (await readFile(destination, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0] ?? '', /^CONNECT 201 \d+$/);
    assert.match(lines[1] ?? '', /^MESSAGE 203 \d+$/);
    assert.match(lines[2] ?? '', /^DISCONNECT 202 \d+$/);
  });
});
