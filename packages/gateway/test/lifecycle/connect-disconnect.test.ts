/**
 * The `$connect`/`$disconnect` contract (docs/gateway.md, "The $connect and
 * $disconnect contract"): every `$connect` whose handler succeeded is followed by
 * exactly one `$disconnect`, however the handshake ends. Each case closes the
 * gateway (which waits for every handler) before checking the ledger.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, rawUpgrade, startGateway } from '../support/gateway-harness.ts';
import { PairingLedger, type PairingOptions, pairingDefinition, until } from '../support/pairing.ts';
import { openSocket, untilClosed, untilReceived, upgradeRequest } from '../support/raw-sockets.ts';

const NEVER_ESTABLISHED = { code: 1006, reason: 'Connection closed before it was established' };

async function startPairing(options: PairingOptions = {}) {
  const ledger = new PairingLedger();
  const running = await startGateway(pairingDefinition(ledger, options));
  return { ledger, running };
}

describe('the $connect/$disconnect contract', () => {
  it('a client that resets while $connect runs gets its $disconnect once $connect accepts', async () => {
    const { ledger, running } = await startPairing();
    const socket = await openSocket(running.port);
    socket.write(upgradeRequest('/dev?connect=150'));
    await until(() => ledger.startedConnects === 1, '$connect');
    socket.resetAndDestroy();
    await running.gateway.close();
    assert.equal(ledger.accepted.size, 1);
    assert.deepEqual([...ledger.disconnects.values()], [[NEVER_ESTABLISHED]]);
    ledger.assertPaired();
  });

  it('a client that half-closes while $connect runs gets its $disconnect once $connect accepts', async () => {
    const { ledger, running } = await startPairing();
    const socket = await openSocket(running.port);
    socket.write(upgradeRequest('/dev?connect=150'));
    await until(() => ledger.startedConnects === 1, '$connect');
    socket.end();
    await running.gateway.close();
    assert.deepEqual([...ledger.disconnects.values()], [[NEVER_ESTABLISHED]]);
    ledger.assertPaired();
  });

  it('a client that leaves while the authorizer runs gets no $connect', async () => {
    const { ledger, running } = await startPairing({ authorizer: true });
    const socket = await openSocket(running.port);
    socket.write(upgradeRequest('/dev?auth=150'));
    await until(() => ledger.startedAuthorizations === 1, 'the authorizer');
    socket.resetAndDestroy();
    await running.gateway.close();
    assert.equal(ledger.startedConnects, 0);
    assert.equal(ledger.disconnects.size, 0);
  });

  it('a $connect that times out and then succeeds gets its $disconnect', async () => {
    const { ledger, running } = await startPairing({ connectTimeoutMs: 50 });
    const answer = await rawUpgrade(`${running.url}?connect=200`);
    assert.equal(answer.status, 504);
    await running.gateway.close();
    assert.equal(ledger.accepted.size, 1);
    assert.deepEqual([...ledger.disconnects.values()], [[NEVER_ESTABLISHED]]);
    ledger.assertPaired();
  });

  it('a $connect that times out and then fails gets none', async () => {
    const { ledger, running } = await startPairing({ connectTimeoutMs: 50 });
    const answer = await rawUpgrade(`${running.url}?connect=200&result=fail`);
    assert.equal(answer.status, 504);
    await running.gateway.close();
    assert.equal(ledger.finishedConnects, 1);
    assert.equal(ledger.disconnects.size, 0);
  });

  it('a handshake cut short by a drain gets 503 and its $disconnect (1001)', async () => {
    const { ledger, running } = await startPairing();
    const socket = await openSocket(running.port);
    socket.write(upgradeRequest('/dev?connect=150'));
    await until(() => ledger.startedConnects === 1, '$connect');
    const answered = untilReceived(socket, '\r\n\r\n');
    await running.gateway.close();
    assert.match(await answered, /^HTTP\/1\.1 503 /);
    assert.deepEqual([...ledger.disconnects.values()], [[{ code: 1001, reason: 'Going away' }]]);
    ledger.assertPaired();
  });

  it('a client that floods bytes before the 101 is dropped and, if accepted, disconnected', async () => {
    const { ledger, running } = await startPairing();
    const socket = await openSocket(running.port);
    socket.write(upgradeRequest('/dev?connect=150'));
    await until(() => ledger.startedConnects === 1, '$connect');
    socket.write(Buffer.alloc(64 * 1024));
    await untilClosed(socket);
    await running.gateway.close();
    assert.deepEqual([...ledger.disconnects.values()], [[NEVER_ESTABLISHED]]);
    ledger.assertPaired();
  });

  it('open connections get theirs when the gateway drains', async () => {
    const { ledger, running } = await startPairing();
    await Promise.all([connect(running.url), connect(running.url), connect(running.url)]);
    await running.gateway.close();
    assert.equal(ledger.accepted.size, 3);
    for (const events of ledger.disconnects.values()) assert.deepEqual(events, [{ code: 1001, reason: 'Going away' }]);
    ledger.assertPaired();
  });
});
