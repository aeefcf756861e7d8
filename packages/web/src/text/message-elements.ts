/**
 * A message's text with its formatting (docs/formatting.md) as React elements:
 * markdown-it's tokens (markdown.ts) turned into elements, one allowed element
 * per token kind. Nothing is ever inserted as HTML: text and code become text
 * nodes, which React escapes, and a token of any other kind keeps only its
 * children. Links open in a new tab without telling the target where they came
 * from, and show where they go (the address in the tooltip, and the host beside
 * a link whose text is not its address). Plain `createElement`, no JSX, so the
 * property tests run it in Node as the browser does.
 */
import { createElement, Fragment, type ReactNode } from 'react';
import type { TextRun } from '../state/mentions.ts';
import { replaceShortcodes, type ShortcodeTable } from './emoji-shortcodes.ts';
import { parseMessage, safeHref, type Token } from './markdown.ts';

/**
 * The elements of a message's text; `shortcodes` null leaves shortcodes as typed;
 * `highlight` marks the mentions the server resolved in the text (not in code).
 */
export function renderMessage(
  text: string,
  shortcodes: ShortcodeTable | null,
  highlight?: MentionHighlighter,
): ReactNode {
  return createElement(Fragment, null, ...renderTokens(parseMessage(text), { shortcodes, highlight, key: 0 }));
}

/** Cuts a text span at the message's mentions (state/mentions.ts `mentionRunsIn`). */
export type MentionHighlighter = (text: string) => TextRun[];

interface RenderContext {
  shortcodes: ShortcodeTable | null;
  highlight: MentionHighlighter | undefined;
  /** Keys for the elements made, unique within one message. */
  key: number;
}

interface Open {
  token: Token | null;
  children: ReactNode[];
}

/** Tokens with `nesting` +1 / -1 open and close an element; the rest are leaves. */
function renderTokens(tokens: readonly Token[], context: RenderContext): ReactNode[] {
  const stack: Open[] = [{ token: null, children: [] }];
  for (const token of tokens) {
    if (token.nesting === 1) {
      stack.push({ token, children: [] });
    } else if (token.nesting === -1) {
      // markdown-it closes what it opens; an unbalanced close is ignored rather than trusted.
      if (stack.length === 1) continue;
      const { token: opening, children } = stack.pop()!;
      stack.at(-1)!.children.push(element(opening!, children, context));
    } else {
      stack.at(-1)!.children.push(leaf(token, context));
    }
  }
  while (stack.length > 1) {
    const { children } = stack.pop()!;
    stack.at(-1)!.children.push(make(Fragment, context, null, children));
  }
  return stack[0]!.children;
}

/** An element with the next key. */
function make(
  type: string | typeof Fragment,
  context: RenderContext,
  props: Record<string, unknown> | null,
  children: ReactNode[],
): ReactNode {
  return createElement(type, { ...props, key: `k${context.key++}` }, ...children);
}

function leaf(token: Token, context: RenderContext): ReactNode {
  switch (token.type) {
    case 'inline':
      return make(Fragment, context, null, renderTokens(token.children ?? [], context));
    case 'text':
      if (context.highlight === undefined) return replaceShortcodes(token.content, context.shortcodes);
      return make(
        Fragment,
        context,
        null,
        context.highlight(token.content).map((run) =>
          run.mention
            ? make(
                'span',
                context,
                {
                  className: run.me ? 'mention mention--me' : 'mention',
                  'data-testid': run.me ? 'mention-me' : 'mention',
                },
                [run.text],
              )
            : replaceShortcodes(run.text, context.shortcodes),
        ),
      );
    case 'code_inline':
      return make('code', context, { className: 'md-code' }, [token.content]);
    case 'fence':
    case 'code_block':
      return make('pre', context, { className: 'md-pre' }, [
        createElement('code', null, token.content.replace(/\n$/, '')),
      ]);
    case 'softbreak':
      // The text is shown with `white-space: pre-wrap`: a newline is a line break.
      return '\n';
    case 'hardbreak':
      return make('br', context, null, []);
    default:
      return token.content;
  }
}

/** The element of each opening token kind in the subset. */
const elementOf: Readonly<Record<string, string>> = {
  bullet_list_open: 'ul',
  list_item_open: 'li',
  blockquote_open: 'blockquote',
  strong_open: 'strong',
  em_open: 'em',
  s_open: 's',
};

function element(opening: Token, children: ReactNode[], context: RenderContext): ReactNode {
  switch (opening.type) {
    case 'paragraph_open':
      // A tight list's items hold their text without a paragraph.
      return make(opening.hidden ? Fragment : 'p', context, null, children);
    case 'ordered_list_open': {
      const start = Number(opening.attrGet('start') ?? 1);
      return make('ol', context, Number.isSafeInteger(start) && start !== 1 ? { start } : null, children);
    }
    case 'link_open':
      return link(opening, children, context);
    default: {
      const tag = elementOf[opening.type];
      return make(tag ?? Fragment, context, null, children);
    }
  }
}

function link(opening: Token, children: ReactNode[], context: RenderContext): ReactNode {
  const href = safeHref(opening.attrGet('href'));
  if (href === null) return make(Fragment, context, null, children);
  const anchor = make(
    'a',
    context,
    { href, target: '_blank', rel: 'noopener noreferrer', title: href, className: 'md-link' },
    children,
  );
  // A link written as text and address ([text](url)) shows its host too, so "bank.example" cannot hide elsewhere.
  const named = opening.markup !== 'linkify' && opening.markup !== 'autolink';
  if (!named || !href.startsWith('http')) return anchor;
  const host = make('span', context, { className: 'md-link-host' }, [` (${new URL(href).host})`]);
  return make(Fragment, context, null, [anchor, host]);
}
