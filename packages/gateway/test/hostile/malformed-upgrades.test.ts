/**
 * Upgrade requests that are not valid WebSocket handshakes are refused before
 * anything of the app runs: neither the authorizer nor `$connect` sees them (a
 * `$connect` for a connection that cannot open would leave the app a ghost).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALLOW_ANY, EventRecorder, rawUpgrade, startGateway } from '../support/gateway-harness.ts';
import { openSocket, untilClosed, upgradeRequest } from '../support/raw-sockets.ts';

describe('hostile clients: malformed upgrades', () => {
  async function startRecording() {
    const seen = new EventRecorder();
    const running = await startGateway({
      authorizer: {
        identitySource: [],
        handler: async (event: Record<string, unknown>) => {
          seen.record({ ...event, by: 'authorizer' });
          return ALLOW_ANY;
        },
      },
      routes: {
        $connect: {
          handler: async (event: Record<string, unknown>) => {
            seen.record({ ...event, by: '$connect' });
            return { statusCode: 200 };
          },
        },
        $default: { handler: async () => ({}) },
      },
    });
    return { running, seen };
  }

  const cases: { name: string; headers: Record<string, string>; status: number; message: string }[] = [
    {
      name: 'an Upgrade header other than websocket',
      headers: { Upgrade: 'h2c' },
      status: 400,
      message: 'Invalid Upgrade header',
    },
    {
      name: 'a Sec-WebSocket-Key that is not 16 base64 bytes',
      headers: { 'Sec-WebSocket-Key': 'c2hvcnQ=' },
      status: 400,
      message: 'Missing or invalid Sec-WebSocket-Key header',
    },
    {
      name: 'an unsupported Sec-WebSocket-Version',
      headers: { 'Sec-WebSocket-Version': '12' },
      status: 400,
      message: 'Missing or invalid Sec-WebSocket-Version header',
    },
    {
      name: 'a subprotocol list with an empty name',
      headers: { 'Sec-WebSocket-Protocol': 'chat,,json' },
      status: 400,
      message: 'Invalid Sec-WebSocket-Protocol header',
    },
    {
      name: 'a subprotocol list that names one twice',
      headers: { 'Sec-WebSocket-Protocol': 'chat, chat' },
      status: 400,
      message: 'Invalid Sec-WebSocket-Protocol header',
    },
  ];

  for (const { name, headers, status, message } of cases) {
    it(`${name} gets ${status} before the authorizer and $connect`, async () => {
      const { running, seen } = await startRecording();
      const answer = await rawUpgrade(running.url, headers);
      assert.equal(answer.status, status);
      assert.deepEqual(JSON.parse(answer.body), { message });
      assert.deepEqual(seen.events, []);
    });
  }

  it('an upgrade with another method than GET gets 405 before the authorizer and $connect', async () => {
    const { running, seen } = await startRecording();
    const socket = await openSocket(running.port);
    const closed = untilClosed(socket);
    socket.write(upgradeRequest('/dev').replace(/^GET/, 'POST'));
    assert.match(await closed, /^HTTP\/1\.1 405 /);
    assert.deepEqual(seen.events, []);
  });

  it('an unsupported version is told which versions are spoken', async () => {
    const { running } = await startRecording();
    const answer = await rawUpgrade(running.url, { 'Sec-WebSocket-Version': '7' });
    assert.equal(answer.headers['sec-websocket-version'], '13, 8');
  });

  it('a valid handshake still reaches both', async () => {
    const { running, seen } = await startRecording();
    const answer = await rawUpgrade(running.url, { 'Sec-WebSocket-Protocol': 'chat, json' });
    assert.equal(answer.status, 101);
    assert.deepEqual(
      seen.events.map((event) => event.by),
      ['authorizer', '$connect'],
    );
  });
});
