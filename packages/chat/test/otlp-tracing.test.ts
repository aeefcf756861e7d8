/**
 * OpenTelemetry export end to end: `main.ts` as `npm start` runs it, with
 * OTEL_EXPORTER_OTLP_ENDPOINT naming an OTLP/HTTP receiver in this test. A real
 * client signs in, connects, says hello, creates a room and sends a message; a
 * forged token is refused. On SIGTERM the server flushes its spans, and the test
 * checks their names, attributes and parent-child links: the gateway's route,
 * authorizer and integration spans, and the chat's store calls below them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startOtlpTracing } from '@switchboard/gateway';
import { ChatClient, register, uniqueName, upgradeStatus, WAIT_MS } from './chat-test-client.ts';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-otlp-'));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
let receiver: OtlpReceiver;

before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs main.ts exporting to the receiver, drives `session` once it is up, then stops it with SIGTERM. */
async function runTracedChat(session: (url: string, webSocketUrl: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      MANAGEMENT_PORT: '0',
      DATA_DIR: join(dir, 'data'),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'chat-under-test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS * 3);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ran = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /running at (http:\/\/\S+) \(WebSocket API: (ws:\/\/\S+);/.exec(stdout);
      if (!found) return;
      child.stdout!.removeAllListeners('data');
      session(found[1]!, found[2]!).then(resolve, reject);
    });
    void exited.then(() => reject(new Error(`main.ts ended before the session ran: ${stderr}`)));
  });
  try {
    await ran;
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    clearTimeout(killer);
    assert.equal(code, 0, stderr);
  }
}

const byName = (spans: ReceivedSpan[], name: string): ReceivedSpan[] => spans.filter((span) => span.name === name);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] =>
  spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);

describe('OpenTelemetry over OTLP', () => {
  it('is off without an endpoint, or with OTEL_SDK_DISABLED', async () => {
    assert.equal(await startOtlpTracing('x', {}), undefined);
    assert.equal(
      await startOtlpTracing('x', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SDK_DISABLED: 'TRUE' }),
      undefined,
    );
  });

  it('exports route, authorizer, integration and store spans, linked parent to child', async () => {
    await runTracedChat(async (url, webSocketUrl) => {
      const { token } = await register(url);
      const [header, payload] = token.split('.');
      assert.equal(await upgradeStatus(`${webSocketUrl}?token=${header}.${payload}.forged`), 401);
      const client = await ChatClient.connect(webSocketUrl, token);
      try {
        await client.ok({ action: 'hello' });
        const { room } = await client.ok({ action: 'createRoom', name: uniqueName('room') });
        await client.ok({ action: 'sendMessage', roomId: room.id, text: 'traced', clientMessageId: 'c1' });
      } finally {
        await client.close();
      }
    });
    const spans = receiver.spans;
    assert.ok(spans.every((span) => span.service === 'chat-under-test'));

    // The refused handshake: a route span with status 401 and its authorizer child, no $connect.
    const connects = byName(spans, 'route $connect');
    const refused = connects.filter((span) => span.attributes['switchboard.status'] === 401);
    assert.equal(refused.length, 1);
    assert.deepEqual(
      childrenOf(spans, refused[0]!).map((span) => span.name),
      ['authorizer'],
    );

    // The accepted one: 101, authorizer and integration $connect as children, store calls under $connect.
    const accepted = connects.find((span) => span.attributes['switchboard.status'] === 101);
    assert.ok(accepted, JSON.stringify(connects));
    assert.equal(accepted.parentSpanId, '');
    assert.equal(accepted.kind, 2);
    assert.equal(accepted.attributes['switchboard.route_key'], '$connect');
    assert.equal(accepted.attributes['switchboard.integration_status'], 200);
    const connectSteps = childrenOf(spans, accepted);
    assert.deepEqual(connectSteps.map((span) => span.name).sort(), ['authorizer', 'integration $connect']);
    const connectIntegration = connectSteps.find((span) => span.name === 'integration $connect')!;
    assert.ok(childrenOf(spans, connectIntegration).some((span) => span.name === 'store addConnection'));
    assert.equal(typeof accepted.attributes['switchboard.connection_id'], 'string');

    // A message: route sendMessage > integration sendMessage > store appendMessage (a client span).
    const sends = byName(spans, 'route sendMessage');
    assert.equal(sends.length, 1);
    const [send] = sends;
    assert.equal(send!.attributes['switchboard.status'], 200);
    assert.equal(send!.attributes['switchboard.connection_id'], accepted.attributes['switchboard.connection_id']);
    assert.equal(typeof send!.attributes['switchboard.request_id'], 'string');
    const [sendIntegration, ...others] = childrenOf(spans, send!);
    assert.equal(others.length, 0);
    assert.equal(sendIntegration!.name, 'integration sendMessage');
    const append = childrenOf(spans, sendIntegration!).find((span) => span.name === 'store appendMessage');
    assert.ok(append, 'appendMessage is a child of the integration span');
    assert.equal(append.kind, 3);
    assert.deepEqual(
      [append.attributes['db.system.name'], append.attributes['db.operation.name']],
      ['sqlite', 'appendMessage'],
    );

    // The close: route $disconnect > integration $disconnect > store removeConnection.
    const disconnect = byName(spans, 'route $disconnect').find(
      (span) => span.attributes['switchboard.connection_id'] === accepted.attributes['switchboard.connection_id'],
    );
    assert.ok(disconnect);
    const [disconnectIntegration] = childrenOf(spans, disconnect);
    assert.equal(disconnectIntegration?.name, 'integration $disconnect');
    assert.ok(childrenOf(spans, disconnectIntegration).some((span) => span.name === 'store removeConnection'));
  });
});
