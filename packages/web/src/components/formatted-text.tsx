/**
 * A message's text with its formatting (text/message-elements.ts) and emoji
 * shortcodes. Both come in chunks of their own, loaded as the first message is
 * shown, so the first screen does not wait for them: until they arrive a
 * message shows as typed, then formatted.
 */
import { useMemo, useSyncExternalStore } from 'react';
import { shortcodes } from '../text/emoji-shortcodes.ts';
import { lazyValue } from '../text/lazy-value.ts';
import type { MentionHighlighter } from '../text/message-elements.ts';

const formatter = lazyValue(async () => (await import('../text/message-elements.ts')).renderMessage);

/** `highlight`: the message's mentions, marked (the text shows as typed until the formatter has loaded). */
export function FormattedText({ text, highlight }: { text: string; highlight?: MentionHighlighter }) {
  const render = useSyncExternalStore(formatter.subscribe, formatter.get, formatter.get);
  const table = useSyncExternalStore(shortcodes.subscribe, shortcodes.get, shortcodes.get);
  return useMemo(() => (render === null ? text : render(text, table, highlight)), [render, text, table, highlight]);
}
