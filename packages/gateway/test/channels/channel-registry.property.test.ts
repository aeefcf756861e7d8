/**
 * Property test of the channel registry's two-way bookkeeping: a connection keeps
 * its channels as nothing, one name, or a Set (a name alone for the usual single
 * channel). For any sequence of joins, leaves and closes over a few connections and
 * channels, both directions agree with a plain model, counts are exact, and a
 * connection that left everything holds nothing (no empty Set).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChannelRegistry } from '../../src/channels/channel-registry.ts';
import { Connection } from '../../src/connection.ts';

const CONNECTIONS = 3;
const CHANNELS = ['a', 'b', 'c', 'd'];

type Step =
  | { kind: 'add'; connection: number; channel: string }
  | { kind: 'remove'; connection: number; channel: string }
  | { kind: 'removeAll'; connection: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    connection: fc.nat({ max: CONNECTIONS - 1 }),
    channel: fc.constantFrom(...CHANNELS),
  }),
  fc.record({
    kind: fc.constant('remove' as const),
    connection: fc.nat({ max: CONNECTIONS - 1 }),
    channel: fc.constantFrom(...CHANNELS),
  }),
  fc.record({ kind: fc.constant('removeAll' as const), connection: fc.nat({ max: CONNECTIONS - 1 }) }),
);

/** The registry touches only a connection's `channels`; no socket is needed for it. */
function standIn(): Connection {
  const connection = Object.create(Connection.prototype) as Connection;
  connection.channels = null;
  return connection;
}

function channelsOf(connection: Connection): string[] {
  const channels = connection.channels;
  if (channels === null) return [];
  return typeof channels === 'string' ? [channels] : [...channels].sort();
}

describe('channel registry', () => {
  it('agrees with a model of memberships after any joins, leaves and closes', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const registry = new ChannelRegistry();
        const connections = Array.from({ length: CONNECTIONS }, standIn);
        const model = connections.map(() => new Set<string>());
        for (const s of steps) {
          const connection = connections[s.connection] as Connection;
          const joined = model[s.connection] as Set<string>;
          if (s.kind === 'add') {
            assert.equal(registry.add(connection, s.channel), !joined.has(s.channel));
            joined.add(s.channel);
          } else if (s.kind === 'remove') {
            assert.equal(registry.remove(connection, s.channel), joined.has(s.channel));
            joined.delete(s.channel);
          } else {
            registry.removeAll(connection);
            joined.clear();
          }
          connections.forEach((c, index) => {
            const expected = [...(model[index] as Set<string>)].sort();
            assert.deepEqual(channelsOf(c), expected);
            assert.equal(c.channelCount, expected.length);
            if (expected.length === 0) assert.equal(c.channels, null);
          });
          for (const channel of CHANNELS) {
            const members = connections.filter((_, index) => model[index]?.has(channel));
            const actual = registry.members(channel);
            if (members.length === 0) assert.equal(actual, undefined);
            else assert.deepEqual(new Set(actual), new Set(members));
          }
          const subscriptions = model.reduce((sum, joined) => sum + joined.size, 0);
          assert.equal(registry.subscriptionCount, subscriptions);
          assert.equal(registry.channelCount, CHANNELS.filter((ch) => model.some((j) => j.has(ch))).length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
