/**
 * Moves keyboard focus to the composer: where focus goes back after an edit
 * started from it, after Escape in the message list, and after a room switch
 * from the keyboard. `ChatScreen` provides it; the composer registers its input.
 */
import { createContext, useContext } from 'react';

export interface ComposerFocus {
  /** The composer's input registers itself here (a ref callback). */
  register: (input: HTMLTextAreaElement | null) => void;
  focus: () => void;
}

export const ComposerFocusContext = createContext<ComposerFocus>({ register: () => {}, focus: () => {} });

export function useComposerFocus(): ComposerFocus {
  return useContext(ComposerFocusContext);
}

/** A registry for one composer input at a time. */
export function createComposerFocus(): ComposerFocus {
  let current: HTMLTextAreaElement | null = null;
  return {
    register: (input) => {
      current = input;
    },
    focus: () => current?.focus(),
  };
}
