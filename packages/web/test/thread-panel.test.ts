import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  inTimeline,
  openPanel,
  threadPosition,
  threadUnread,
  unreadThreadCount,
  withThreadMessages,
  withThreadRead,
  withThreadRoots,
} from '../src/state/thread-panel.ts';
import { mergeMessages, newerVersion } from '../src/state/timeline.ts';
import { message } from './message-fixture.ts';

const summary = (replyCount: number, lastReplySeq: number) => ({ replyCount, lastReplyAt: lastReplySeq, lastReplySeq });

describe('thread summaries in a timeline', () => {
  it('keeps the summary with more replies, whichever version of the text wins', () => {
    const counted = message('root', 1, { thread: summary(2, 5) });
    const edited = message('root', 1, { text: 'fixed', editedAt: 3, thread: summary(1, 3) });
    assert.deepEqual(newerVersion(counted, edited), { ...edited, thread: summary(2, 5) });
    assert.equal(newerVersion(counted, message('root', 1, { thread: summary(1, 3) })), counted);
  });

  it('takes a threadUpdated event’s summary, also on a deleted root', () => {
    const root = message('root', 1, { text: '', deletedAt: 4 });
    const updated = message('root', 1, { thread: summary(1, 5) });
    const [merged] = mergeMessages([root], [updated], new Map([[updated, 'thread' as const]]));
    assert.deepEqual(merged, { ...root, thread: summary(1, 5) });
  });
});

describe('the thread panel', () => {
  it('takes its root’s newer state and its own replies in order, nothing else', () => {
    const panel = openPanel('r1', 'root', null);
    const root = message('root', 1);
    const second = message('b', 6, { threadRootId: 'root' });
    const first = message('a', 4, { threadRootId: 'root', alsoToRoom: true });
    const other = message('c', 7, { threadRootId: 'elsewhere' });
    const next = withThreadMessages(panel, [root, second, other, first, message('root', 1, { thread: summary(2, 6) })]);
    assert.deepEqual(next.root, { ...root, thread: summary(2, 6) });
    assert.deepEqual(
      next.replies.map((reply) => reply.id),
      ['a', 'b'],
    );
    assert.equal(withThreadMessages(next, [other, message('x', 9)]), next);
  });

  it('takes only the reactions or the pin of a reaction or pin event, on its replies and its root', () => {
    const root = message('root', 1, { text: 'fixed', editedAt: 5 });
    const reply = message('a', 4, { threadRootId: 'root', text: 'edited', editedAt: 6 });
    const panel = { ...openPanel('r1', 'root', root), replies: [reply] };
    const reactions = [{ emoji: '👍', users: [{ id: 'grace', username: 'grace' }] }];
    // The events carry the message as it was stored when they were written: before the edits.
    const reacted = message('a', 4, { threadRootId: 'root', reactions });
    const pinned = message('root', 1, { pinnedAt: 7, pinnedBy: { id: 'grace', username: 'grace' } });
    const parts = new Map([
      [reacted, 'reactions' as const],
      [pinned, 'pin' as const],
    ]);
    const next = withThreadMessages(panel, [pinned, reacted], parts);
    assert.deepEqual(next.replies, [{ ...reply, reactions }]);
    assert.deepEqual(next.root, { ...root, pinnedAt: 7, pinnedBy: { id: 'grace', username: 'grace' } });
  });

  it('shows in the room only messages that are not replies or were also sent to it', () => {
    assert.equal(inTimeline(message('a', 1)), true);
    assert.equal(inTimeline(message('b', 2, { threadRootId: 'a' })), false);
    assert.equal(inTimeline(message('c', 3, { threadRootId: 'a', alsoToRoom: true })), true);
  });
});

describe('the roots of a room’s threads', () => {
  it('keeps each root’s largest summary, and counts the followed ones with unread replies per room', () => {
    const mine = message('mine', 2, { authorId: 'ada', thread: summary(1, 5) });
    const theirs = message('theirs', 3, { authorId: 'grace', thread: summary(2, 7) });
    const elsewhere = { ...message('elsewhere', 4, { thread: summary(1, 8) }), roomId: 'r2' };
    let roots = withThreadRoots({}, [mine, theirs, elsewhere, message('plain', 6)]);
    assert.deepEqual(Object.keys(roots).sort(), ['elsewhere', 'mine', 'theirs']);
    assert.equal(withThreadRoots(roots, [message('theirs', 3, { thread: summary(1, 5) })]), roots);
    roots = withThreadRoots(roots, [message('theirs', 3, { authorId: 'grace', thread: summary(3, 9) })]);
    assert.equal(roots.theirs?.thread?.replyCount, 3);
    // Ada's own root is followed from the root; grace's only with a known position.
    assert.equal(unreadThreadCount(roots, {}, 'r1', 'ada'), 1);
    assert.equal(unreadThreadCount(roots, { theirs: 7 }, 'r1', 'ada'), 2);
    assert.equal(unreadThreadCount(roots, { theirs: 9, mine: 5 }, 'r1', 'ada'), 0);
    assert.equal(unreadThreadCount(roots, { elsewhere: 1 }, 'r2', 'ada'), 1);
  });
});

describe('unread threads', () => {
  const root = message('root', 3, { authorId: 'ada', thread: summary(2, 9) });

  it('follows one’s own roots from the root, others’ only once a position is known', () => {
    assert.equal(threadPosition(root, {}, 'ada'), 3);
    assert.equal(threadPosition(root, {}, 'grace'), undefined);
    assert.equal(threadUnread(root, {}, 'ada'), true);
    assert.equal(threadUnread(root, {}, 'grace'), false);
    assert.equal(threadUnread(root, { root: 7 }, 'grace'), true);
    assert.equal(threadUnread(root, { root: 9 }, 'grace'), false);
    assert.equal(threadUnread(message('plain', 4, { authorId: 'ada' }), {}, 'ada'), false);
  });

  it('moves a read position forward only, keeping the same object otherwise', () => {
    const reads = withThreadRead({}, 'root', 7);
    assert.deepEqual(reads, { root: 7 });
    assert.equal(withThreadRead(reads, 'root', 5), reads);
    assert.deepEqual(withThreadRead(reads, 'root', 9), { root: 9 });
  });
});
