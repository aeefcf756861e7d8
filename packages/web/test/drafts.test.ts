import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DraftStorage, Drafts } from '../src/state/drafts.ts';

/** An in-memory Web Storage with the same surface as `localStorage`. */
class MemoryStorage implements DraftStorage {
  readonly items = new Map<string, string>();
  get length(): number {
    return this.items.size;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

describe('Class: Drafts', () => {
  it('keeps one draft per room and reads them back in a new page (same user)', () => {
    const storage = new MemoryStorage();
    const drafts = new Drafts('u1', storage);
    drafts.set('general', 'half a thought');
    drafts.set('random', 'line one\nline two');
    assert.equal(drafts.get('general'), 'half a thought');
    const reloaded = new Drafts('u1', storage);
    assert.equal(reloaded.get('general'), 'half a thought');
    assert.equal(reloaded.get('random'), 'line one\nline two');
    assert.equal(new Drafts('u2', storage).get('general'), '', 'another user does not see them');
  });

  it('removes a draft that is emptied (sent) and clears only its own user on sign-out', () => {
    const storage = new MemoryStorage();
    const mine = new Drafts('u1', storage);
    const theirs = new Drafts('u2', storage);
    mine.set('general', 'sent soon');
    mine.set('general', '');
    assert.equal(storage.length, 0);
    mine.set('general', 'kept');
    mine.set('random', 'kept too');
    theirs.set('general', 'not mine');
    mine.clear();
    assert.equal(mine.get('general'), '');
    assert.equal(new Drafts('u1', storage).get('random'), '');
    assert.equal(new Drafts('u2', storage).get('general'), 'not mine');
  });

  it('keeps drafts in memory when the storage refuses them', () => {
    const full = new MemoryStorage();
    full.setItem = () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const drafts = new Drafts('u1', full);
    drafts.set('general', 'x'.repeat(10_000));
    assert.equal(drafts.get('general').length, 10_000);
    assert.equal(new Drafts('u1', null).get('general'), '');
  });
});
