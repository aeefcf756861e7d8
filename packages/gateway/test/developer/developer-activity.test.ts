/**
 * The developer page's memory: a ring of the last events and one counter per
 * route, bounded whatever clients send.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeveloperActivity, MAX_TEXT_LENGTH } from '../../src/developer/developer-activity.ts';
import { requestContext } from '../../src/events.ts';
import { facts } from '../integrations/vtl/fixtures.ts';

describe('DeveloperActivity', () => {
  it('keeps the last `capacity` events, in order, and hands a poller only what is new', () => {
    const activity = new DeveloperActivity({ routeKeys: ['send'], capacity: 50 });
    for (let index = 1; index <= 120; index++) {
      activity.record(requestContext(facts, 'send', 'MESSAGE', `r${index}`, index), {
        status: 200,
        integrationStatus: 200,
        integrationLatency: index % 2 === 0 ? 10 : 20,
      });
    }
    const all = activity.eventsAfter(0);
    assert.equal(all.length, 50);
    assert.deepEqual([all[0]?.seq, all.at(-1)?.seq], [71, 120]);
    assert.deepEqual(
      activity.eventsAfter(117).map((event) => event.requestId),
      ['r118', 'r119', 'r120'],
    );
    assert.deepEqual(activity.eventsAfter(120), []);
    const send = activity.routes().find((route) => route.routeKey === 'send');
    assert.deepEqual(send, { routeKey: 'send', requests: 120, errors: 0, meanLatencyMs: 15 });
  });

  it('counts refusals and integration 5xx as errors, cuts client text, and counts only known routes', () => {
    const activity = new DeveloperActivity({ routeKeys: ['$default'] });
    activity.record(requestContext(facts, '$default', 'MESSAGE', 'a', 1), { status: 429 });
    activity.record(requestContext(facts, '$default', 'MESSAGE', 'b', 2), { status: 200, integrationStatus: 503 });
    const disconnect = requestContext(facts, '$disconnect', 'DISCONNECT', 'c', 3);
    disconnect.disconnectStatusCode = 4000;
    disconnect.disconnectReason = 'x'.repeat(MAX_TEXT_LENGTH * 4);
    activity.record(disconnect, { status: 200 });
    activity.record(requestContext(facts, 'unknown', 'MESSAGE', 'd', 4), { status: 200 });
    const routes = Object.fromEntries(activity.routes().map((route) => [route.routeKey, route]));
    assert.deepEqual(Object.keys(routes), ['$connect', '$default', '$disconnect']);
    assert.equal(routes.$default?.errors, 2);
    assert.equal(routes.$disconnect?.requests, 1);
    assert.equal(activity.eventsAfter(0)[2]?.disconnectReason?.length, MAX_TEXT_LENGTH);
  });
});
