/** Whether a key came with Alt, Ctrl, Meta or Shift: the lists' and composers' own keys are plain ones, the rest belong to the page and the browser. */
import type { KeyboardEvent } from 'react';

export function hasModifier(event: KeyboardEvent): boolean {
  return event.altKey || event.ctrlKey || event.metaKey || event.shiftKey;
}
