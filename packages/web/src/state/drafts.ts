/**
 * Unsent text per room: switching rooms and back, a reconnect, a reload or an
 * expired session (signing in again as the same user) keep what the user was
 * writing. Kept in memory and in `localStorage` under one key per user and
 * room; signing out clears the user's drafts, so a shared computer does not
 * show them to the next person.
 */
import type { RoomId, UserId } from '@switchboard/chat/api';

/** The subset of the Web Storage API the drafts use (`localStorage`, or a Map-backed stand-in). */
export interface DraftStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const prefix = 'switchboard.draft.';

export class Drafts {
  readonly #storage: DraftStorage | null;
  readonly #userPrefix: string;
  readonly #texts = new Map<RoomId, string>();

  /** `storage` null (or failing, as in a private window that refuses it) keeps drafts in memory only. */
  constructor(userId: UserId, storage: DraftStorage | null) {
    this.#storage = storage;
    this.#userPrefix = `${prefix}${userId}.`;
  }

  get(roomId: RoomId): string {
    let text = this.#texts.get(roomId);
    if (text === undefined) {
      text = this.#read(roomId);
      this.#texts.set(roomId, text);
    }
    return text;
  }

  /** Keeps `text` as the room's draft; empty (or only white space) removes it. */
  set(roomId: RoomId, text: string): void {
    const kept = text.trim() === '' ? '' : text;
    if (this.#texts.get(roomId) === kept) return;
    this.#texts.set(roomId, kept);
    try {
      if (kept === '') this.#storage?.removeItem(this.#userPrefix + roomId);
      else this.#storage?.setItem(this.#userPrefix + roomId, kept);
    } catch {
      // Storage full or refused: the draft still lives in memory for this page.
    }
  }

  /** Forgets every draft of this user (sign-out). */
  clear(): void {
    this.#texts.clear();
    const storage = this.#storage;
    if (storage === null) return;
    try {
      const keys: string[] = [];
      for (let index = 0; index < storage.length; index++) {
        const key = storage.key(index);
        if (key?.startsWith(this.#userPrefix)) keys.push(key);
      }
      for (const key of keys) storage.removeItem(key);
    } catch {
      // Nothing stored that could be read back.
    }
  }

  #read(roomId: RoomId): string {
    try {
      return this.#storage?.getItem(this.#userPrefix + roomId) ?? '';
    } catch {
      return '';
    }
  }
}
