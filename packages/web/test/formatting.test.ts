/**
 * Message formatting (docs/formatting.md) as the browser renders it, checked on
 * React's static markup: the subset renders, and no input whatever (property
 * tests with fast-check) makes a script, an event handler, an element outside the
 * subset or a link to anything but http, https or mailto.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { renderToStaticMarkup } from 'react-dom/server';
import { replaceShortcodes, type ShortcodeData, shortcodeTable } from '../src/text/emoji-shortcodes.ts';
import { safeHref } from '../src/text/markdown.ts';
import { renderMessage } from '../src/text/message-elements.ts';

const require = createRequire(import.meta.url);
const shortcodes = shortcodeTable(
  JSON.parse(readFileSync(require.resolve('emojibase-data/en/shortcodes/github.json'), 'utf8')) as ShortcodeData,
);

const html = (text: string) => renderToStaticMarkup(renderMessage(text, shortcodes));

const allowedTags = new Set([
  'p',
  'strong',
  'em',
  's',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'blockquote',
  'a',
  'span',
  'br',
]);
const allowedAttributes = new Set(['href', 'target', 'rel', 'title', 'class', 'start']);

/** Every element of the markup with its attributes (React escapes `<` and `"` in text and values). */
function elements(markup: string): Array<{ tag: string; attributes: Map<string, string> }> {
  return [...markup.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)].map(([, tag, rest]) => ({
    tag: tag!.toLowerCase(),
    attributes: new Map(
      [...rest!.matchAll(/\s([^\s=]+)(?:="([^"]*)")?/g)].map(([, name, value]) => [name!, value ?? '']),
    ),
  }));
}

/** What an attacker (or a careless paste) types: markup, schemes, Markdown syntax, in any order. */
const fragments = [
  '<script>alert(1)</script>',
  '<script',
  '</script>',
  '<img src=x onerror=alert(1)>',
  '<a href="javascript:alert(1)">x</a>',
  '<svg onload=alert(1)>',
  '<iframe src="https://evil.example">',
  '<style>',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'java\tscript:',
  '&#106;avascript:',
  '&#x6A;avascript:',
  'vbscript:msgbox',
  'data:text/html,<script>alert(1)</script>',
  'file:///etc/passwd',
  '//evil.example',
  '[click](',
  '[click]',
  '](',
  ')',
  '(',
  '<',
  '>',
  '"',
  "'",
  '&',
  '&amp;',
  '\\',
  '**',
  '__',
  '_',
  '*',
  '~~',
  '`',
  '```',
  '\n',
  '\n\n',
  '> ',
  '- ',
  '1. ',
  '9999999999999999999. ',
  '   ',
  'http://',
  'https://example.com/a?b=c&d=e#f',
  'HTTPS://EXAMPLE.COM',
  'mailto:someone@example.com',
  'www.example.com',
  'user@example.com',
  ':smile:',
  ':+1:',
  ':script:',
  ' onerror="alert(1)"',
  'title="x"',
  '\u0000',
  '\u202e',
  'word',
];
const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((parts) => parts.join('')),
  fc
    .array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 8 })), { maxLength: 30 })
    .map((parts) => parts.join('')),
);

describe('message formatting', () => {
  it('renders the subset: emphasis, strike, code, blocks, quotes, lists, links and emoji', () => {
    assert.equal(
      html('**bold** _italic_ ~~gone~~ `a <b> c`'),
      '<p><strong>bold</strong> <em>italic</em> <s>gone</s> <code class="md-code">a &lt;b&gt; c</code></p>',
    );
    assert.equal(
      html('```\n<script>x</script>\n```'),
      '<pre class="md-pre"><code>&lt;script&gt;x&lt;/script&gt;</code></pre>',
    );
    assert.equal(html('> quoted'), '<blockquote><p>quoted</p></blockquote>');
    assert.equal(html('- one\n- two'), '<ul><li>one</li><li>two</li></ul>');
    assert.equal(html('3. three\n4. four'), '<ol start="3"><li>three</li><li>four</li></ol>');
    assert.equal(html('line one\nline two'), '<p>line one\nline two</p>');
    assert.equal(
      html(':smile: :+1: :not_an_emoji: `:smile:`'),
      '<p>😄 👍 :not_an_emoji: <code class="md-code">:smile:</code></p>',
    );
    // Outside the subset: shown as typed.
    assert.equal(html('# not a heading'), '<p># not a heading</p>');
    assert.equal(html('<b>not bold</b>'), '<p>&lt;b&gt;not bold&lt;/b&gt;</p>');
  });

  it('makes addresses links that open safely in a new tab and show where they go', () => {
    assert.equal(
      html('see https://example.com/a?b=1 now'),
      '<p>see <a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer" title="https://example.com/a?b=1" class="md-link">https://example.com/a?b=1</a> now</p>',
    );
    assert.equal(
      html('[the docs](https://docs.example.org/x)'),
      '<p><a href="https://docs.example.org/x" target="_blank" rel="noopener noreferrer" title="https://docs.example.org/x" class="md-link">the docs</a><span class="md-link-host"> (docs.example.org)</span></p>',
    );
    assert.match(html('mail me@example.com'), /href="mailto:me@example.com"/);
    assert.match(html('www.example.com'), /href="http:\/\/www.example.com\/"/);
    for (const text of [
      '[x](javascript:alert(1))',
      '[x](JAVASCRIPT:alert(1))',
      '[x](data:text/html,hi)',
      '[x](/relative)',
      '[x](vbscript:x)',
      '<javascript:alert(1)>',
      '[x](file:///etc/passwd)',
    ]) {
      assert.doesNotMatch(html(text), /<a /, text);
    }
  });

  it('never makes a script, an event handler, an element outside the subset or a non-web link, whatever the text', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const markup = html(text);
        for (const { tag, attributes } of elements(markup)) {
          assert.ok(allowedTags.has(tag), `<${tag}> from ${JSON.stringify(text)}`);
          for (const [name, value] of attributes) {
            assert.ok(allowedAttributes.has(name), `${name}= from ${JSON.stringify(text)}`);
            if (name === 'href') {
              assert.match(value, /^(https?:\/\/|mailto:)/i, `href ${value} from ${JSON.stringify(text)}`);
            }
          }
          if (tag === 'a') {
            assert.equal(attributes.get('rel'), 'noopener noreferrer');
            assert.equal(attributes.get('target'), '_blank');
            assert.equal(attributes.get('title'), attributes.get('href'));
          }
        }
        // Such words may be text; as an attribute they would have failed above.
        assert.doesNotMatch(markup, /<script/i);
      }),
      { numRuns: 3000 },
    );
  });

  it('shows every word of a message, however deep its quotes and lists nest', () => {
    // Deeper than markdown-it reads (20 levels), the whole message is shown as typed.
    assert.equal(html(`${'>'.repeat(25)} hidden @someone`), `<p>${'&gt;'.repeat(25)} hidden @someone</p>`);
    assert.equal(
      html(`${'>'.repeat(19)} shown`),
      `${'<blockquote>'.repeat(19)}<p>shown</p>${'</blockquote>'.repeat(19)}`,
    );
    const markerRun = fc.array(fc.constantFrom('>', '> ', '- ', '* ', '1. ', '  '), { maxLength: 60 });
    fc.assert(
      fc.property(fc.array(markerRun, { minLength: 1, maxLength: 8 }), (lines) => {
        const text = lines.map((markers, index) => `${markers.join('')}word${index}`).join('\n');
        const shown = html(text).replace(/<[^>]*>/g, '');
        for (let index = 0; index < lines.length; index++) {
          assert.ok(shown.includes(`word${index}`), `word${index} of ${JSON.stringify(text)}`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('links any web address written as a Markdown link, and shows its host', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const markup = html(`[here](${url})`);
        const anchors = elements(markup).filter((element) => element.tag === 'a');
        for (const anchor of anchors) {
          const href = anchor.attributes.get('href')!.replaceAll('&amp;', '&');
          assert.equal(href, safeHref(href));
        }
        // A `)` in the address ends the link early, and what follows it is text that may hold
        // an address of its own (`http://a.aa?)#%00.aq` leaves `00.aq`): only whole links count here.
        if (!markup.includes('>here</a>') || url.includes(')')) return;
        assert.equal(anchors.length, 1);
        const href = anchors[0]!.attributes.get('href')!.replaceAll('&amp;', '&');
        assert.ok(markup.includes(`<span class="md-link-host"> (${new URL(href).host})</span>`));
      }),
      { numRuns: 500 },
    );
  });

  it('accepts only absolute http, https and mailto addresses as link targets', () => {
    assert.equal(safeHref('https://example.com'), 'https://example.com/');
    assert.equal(safeHref('HTTP://EXAMPLE.COM/A'), 'http://example.com/A');
    assert.equal(safeHref('mailto:a@example.com'), 'mailto:a@example.com');
    for (const bad of ['javascript:alert(1)', ' javascript:x', 'data:,x', '/x', 'x', '', 'ftp://x', 'blob:x', null]) {
      assert.equal(safeHref(bad), null, String(bad));
    }
  });

  it('replaces known shortcodes only, and leaves text without a table as typed', () => {
    assert.equal(replaceShortcodes('hi :wave: :nope: ::', shortcodes), 'hi 👋 :nope: ::');
    assert.equal(replaceShortcodes('hi :wave:', null), 'hi :wave:');
    assert.equal(replaceShortcodes(':woman_technologist:', shortcodes), '👩‍💻');
  });
});
