/**
 * The `$connect`/`$disconnect` contract as a property: hundreds of real clients,
 * each leaving at a random moment in a random way (before its first byte, in the
 * middle of its request head, while the authorizer or `$connect` runs, after the
 * 101; by reset, half-close or close frame, or not at all until the gateway
 * drains, itself at a random moment), against random authorizer and `$connect`
 * delays and outcomes (including timeouts whose handler succeeds later). Then,
 * per connection id: every `$connect` that succeeded has exactly one
 * `$disconnect`, and no other connection has one.
 */
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createGateway } from '../../src/gateway.ts';
import { sleep } from '../support/gateway-harness.ts';
import { PairingLedger, pairingDefinition } from '../support/pairing.ts';
import { clientFrame, openSocket, upgradeRequest } from '../support/raw-sockets.ts';

interface ClientPlan {
  auth: number;
  connect: number;
  result: 'ok' | 'refuse' | 'fail';
  /** How far the client gets before it leaves. */
  sends: 'nothing' | 'half-head' | 'head';
  leave: 'reset' | 'end' | 'close-frame' | 'stay';
  leaveAfterMs: number;
}

const clientPlan: fc.Arbitrary<ClientPlan> = fc.record({
  auth: fc.integer({ min: 0, max: 30 }),
  connect: fc.integer({ min: 0, max: 90 }),
  result: fc.constantFrom('ok', 'ok', 'ok', 'refuse', 'fail'),
  sends: fc.constantFrom('nothing', 'half-head', 'head', 'head', 'head'),
  leave: fc.constantFrom('reset', 'end', 'close-frame', 'stay'),
  leaveAfterMs: fc.integer({ min: 0, max: 150 }),
});

/** A client frame closing with 1000 (RFC 6455 5.5.1). */
const CLOSE_FRAME = clientFrame(Buffer.from([0x03, 0xe8]), 8);

/** One client following its plan; resolves once it has done all it will do. */
async function runClient(port: number, plan: ClientPlan): Promise<void> {
  // A client that arrives after a drain began may find the port closed: it has nothing to pair.
  const socket = await openSocket(port).catch(() => undefined);
  if (!socket) return;
  let opened = false;
  socket.on('data', (chunk: Buffer) => {
    if (!opened && chunk.toString('latin1').startsWith('HTTP/1.1 101')) opened = true;
    // Answer the gateway's close frame (a drain), as a client should.
    else if (opened && chunk.includes(0x88) && socket.writable) socket.end(CLOSE_FRAME);
  });
  const head = upgradeRequest(`/dev?auth=${plan.auth}&connect=${plan.connect}&result=${plan.result}`);
  if (plan.sends === 'half-head') socket.write(head.slice(0, head.length >> 1));
  if (plan.sends === 'head') socket.write(head);
  await sleep(plan.leaveAfterMs);
  if (plan.leave === 'reset') socket.resetAndDestroy();
  else if (plan.leave === 'end') socket.end();
  else if (plan.leave === 'close-frame' && opened) socket.end(CLOSE_FRAME);
}

describe('the $connect/$disconnect contract, as a property', () => {
  it('every $connect that succeeded gets exactly one $disconnect, whatever clients do', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(clientPlan, { minLength: 40, maxLength: 90 }),
        fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        async (plans, drainAfterMs) => {
          const ledger = new PairingLedger();
          const gateway = await createGateway(pairingDefinition(ledger, { authorizer: true, connectTimeoutMs: 60 }), {
            port: 0,
            logger: false,
            tls: false,
          });
          const { port } = await gateway.listen();
          try {
            const clients = Promise.all(plans.map((plan) => runClient(port, plan)));
            if (drainAfterMs !== undefined) {
              await sleep(drainAfterMs);
              await gateway.close();
            }
            await clients;
          } finally {
            await gateway.close();
          }
          ledger.assertPaired();
        },
      ),
      // Real sockets make shrinking slow: report the first failing input as it is.
      { numRuns: 5, endOnFailure: true },
    );
  });
});
