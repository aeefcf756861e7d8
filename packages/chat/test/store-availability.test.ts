import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreAvailability } from '../src/store/availability.ts';

describe('StoreAvailability', () => {
  it('warns once when the store goes down and once when it is back, with the duration', () => {
    const warnings: Array<[object, string]> = [];
    let now = 1000;
    const availability = new StoreAvailability({
      logger: { warn: (details, message) => warnings.push([details, message]) },
      now: () => now,
    });
    availability.answered();
    availability.unreachable(new Error('timeout'));
    availability.unreachable(new Error('timeout again'));
    now += 2500;
    assert.equal(availability.admit(), true);
    availability.answered();
    availability.answered();
    assert.deepEqual(
      warnings.map(([, message]) => message),
      ['chat: the store is unavailable', 'chat: the store answers again after 2500 ms'],
    );
    assert.deepEqual(warnings[1]![0], { downMs: 2500 });
  });

  it('lets one request at a time probe a store that is down, and all through once it answers', () => {
    const availability = new StoreAvailability();
    assert.equal(availability.admit(), true);
    availability.unreachable(new Error('refused'));
    assert.equal(availability.admit(), true, 'the probe');
    assert.equal(availability.admit(), false);
    availability.unreachable(new Error('still refused'));
    assert.equal(availability.admit(), true, 'the next probe');
    assert.equal(availability.admit(), false);
    availability.answered();
    assert.equal(availability.admit(), true);
    assert.equal(availability.admit(), true);
  });
});
