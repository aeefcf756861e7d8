import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { highlightSegments } from '../src/text/highlight.ts';

describe('highlightSegments', () => {
  it('splits a snippet at its ranges', () => {
    assert.deepEqual(
      highlightSegments({
        text: 'Ship it on Tuesday?',
        highlights: [
          [0, 4],
          [11, 18],
        ],
      }),
      [
        { text: 'Ship', highlighted: true },
        { text: ' it on ', highlighted: false },
        { text: 'Tuesday', highlighted: true },
        { text: '?', highlighted: false },
      ],
    );
  });

  it('keeps markup as plain text', () => {
    const text = '<img src=x onerror=alert(1)> hi';
    const segments = highlightSegments({ text, highlights: [[29, 31]] });
    assert.equal(segments.map((segment) => segment.text).join(''), text);
  });

  it('clamps ranges outside the text and skips overlapping ones', () => {
    assert.deepEqual(
      highlightSegments({
        text: 'abc',
        highlights: [
          [1, 2],
          [1, 9],
          [5, 7],
        ],
      }),
      [
        { text: 'a', highlighted: false },
        { text: 'b', highlighted: true },
        { text: 'c', highlighted: true },
      ],
    );
  });
});
