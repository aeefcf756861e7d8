/**
 * Frames that break RFC 6455, sent over a real socket after a valid handshake:
 * each ends that connection with the close code the RFC names (section 7.4.1),
 * its `$disconnect` reports it, and a witness connection is not affected.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, EventRecorder, startGateway } from '../support/gateway-harness.ts';
import { clientFrame, openSocket, untilClosed, untilReceived, upgradeRequest } from '../support/raw-sockets.ts';

/** An unmasked client frame (clients must mask, RFC 6455 5.1). */
function unmasked(payload: string): Buffer {
  return Buffer.concat([Buffer.from([0x81, payload.length]), Buffer.from(payload)]);
}

const cases: { name: string; bytes: () => Buffer; code: number }[] = [
  { name: 'an unmasked frame', bytes: () => unmasked('hi'), code: 1002 },
  { name: 'a reserved opcode', bytes: () => clientFrame('x', 0x3), code: 1002 },
  {
    name: 'a frame with RSV1 set and no extension agreed',
    bytes: () => {
      const frame = clientFrame('x');
      frame[0] = (frame[0] as number) | 0x40;
      return frame;
    },
    code: 1002,
  },
  { name: 'a continuation with no message to continue', bytes: () => clientFrame('x', 0x0), code: 1002 },
  { name: 'a fragmented ping', bytes: () => clientFrame('x', 0x9, false), code: 1002 },
  { name: 'a ping over 125 bytes', bytes: () => clientFrame('p'.repeat(126), 0x9), code: 1002 },
  { name: 'text that is not UTF-8', bytes: () => clientFrame(Buffer.from([0xc3, 0x28])), code: 1007 },
  {
    name: 'a close frame with a code no one may send',
    bytes: () => clientFrame(Buffer.from([0x03, 0xed]), 0x8),
    code: 1002,
  },
  {
    name: 'a 64-bit length with its top bit set',
    bytes: () => Buffer.from([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1]),
    code: 1009,
  },
];

describe('hostile clients: invalid frames', () => {
  for (const { name, bytes, code } of cases) {
    it(`${name} closes that connection with ${code}`, async () => {
      const disconnects = new EventRecorder();
      const running = await startGateway({
        routes: {
          $default: { handler: async (event: { body: string }) => ({ body: event.body }), routeResponse: true },
          $disconnect: { handler: async (event: Record<string, unknown>) => void disconnects.record(event) },
        },
      });
      const witness = await connect(running.url);
      const socket = await openSocket(running.port);
      socket.write(upgradeRequest('/dev'));
      await untilReceived(socket, '\r\n\r\n');
      const closed = untilClosed(socket);
      socket.write(bytes());
      const answer = Buffer.from(await closed, 'latin1');
      // The gateway's close frame: opcode 8, then the status code.
      const at = answer.indexOf(0x88);
      assert.ok(at >= 0, 'no close frame');
      assert.equal(answer.readUInt16BE(at + 2), code);
      const disconnect = await disconnects.nth(1);
      assert.equal(disconnect.requestContext.disconnectStatusCode, code);
      witness.send('still here');
      assert.equal(await witness.next(), 'still here');
    });
  }
});
