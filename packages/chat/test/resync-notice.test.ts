/**
 * The resync notice (broadcast/resync-notice.ts): every connection of the node
 * gets `{"type":"resync"}`, a connection whose notice fails is logged and
 * skipped, and no more notices are in flight at once than the bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerMessage } from '../src/api/protocol.ts';
import { sendResyncNotices } from '../src/broadcast/resync-notice.ts';
import { RecordingBroadcaster } from './recording-broadcaster.ts';

class Broken extends Error {
  override name = 'Broken';
}

describe('sendResyncNotices', () => {
  it('tells every connection, logs the one that fails, and keeps a bounded number in flight', async () => {
    const recorder = new RecordingBroadcaster();
    const ids = Array.from({ length: 200 }, (_, i) => `c${i}`);
    const warnings: object[] = [];
    let inFlight = 0;
    let most = 0;
    const broadcaster = {
      async sendToConnection(connectionId: string, message: ServerMessage): Promise<void> {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        if (connectionId === 'c7') throw new Broken('socket buffer full');
        await recorder.sendToConnection(connectionId, message);
      },
    };
    await sendResyncNotices(broadcaster, ids, { warn: (details) => warnings.push(details) });

    for (const id of ids) {
      assert.deepEqual(recorder.take(id), id === 'c7' ? [] : [{ type: 'resync' }], id);
    }
    assert.equal(warnings.length, 1);
    assert.equal((warnings[0] as { connectionId: string }).connectionId, 'c7');
    assert.ok(most > 1 && most <= 64, `${most} in flight at once`);
  });
});
