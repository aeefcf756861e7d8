/**
 * The sends the server has not acknowledged yet, kept in the tab's `sessionStorage`
 * (one key per user) so that reloading the page does not lose what the user sent
 * while offline: the restored sends go out again after the next `welcome`, with
 * their own `clientMessageId`, so each is stored once however often it arrives.
 * Per tab, so two tabs of one user do not overwrite each other's; signing out
 * forgets them with the drafts.
 */
import type { AttachmentInput, RoomId, UserId } from '@switchboard/chat/api';
import type { PendingSend } from './outbox.ts';

/** What is kept of a send: enough to send it again. */
interface KeptSend {
  clientMessageId: string;
  roomId: RoomId;
  text: string;
  attachments: AttachmentInput[];
  createdAt: number;
}

export class UnsentSends {
  readonly #storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  readonly #key: string;

  /** `storage` null (or failing, as when the browser refuses it) keeps nothing across a reload. */
  constructor(userId: UserId, storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null) {
    this.#storage = storage;
    this.#key = `switchboard.unsent.${userId}`;
  }

  /** The sends kept before the reload, to be sent again; any refusal they had is forgotten. */
  load(): PendingSend[] {
    let kept: unknown;
    try {
      kept = JSON.parse(this.#storage?.getItem(this.#key) ?? '[]');
    } catch {
      return [];
    }
    if (!Array.isArray(kept)) return [];
    return kept.filter(isKeptSend).map((send) => ({ ...send, status: 'sending', error: null }));
  }

  save(pending: readonly PendingSend[]): void {
    try {
      if (pending.length === 0) this.#storage?.removeItem(this.#key);
      else {
        const kept: KeptSend[] = pending.map(({ clientMessageId, roomId, text, attachments, createdAt }) => ({
          clientMessageId,
          roomId,
          text,
          attachments,
          createdAt,
        }));
        this.#storage?.setItem(this.#key, JSON.stringify(kept));
      }
    } catch {
      // Storage full or refused: the sends still live in memory for this page.
    }
  }

  /** Forgets them (sign-out). */
  clear(): void {
    this.save([]);
  }
}

function isKeptSend(value: unknown): value is KeptSend {
  const send = value as Partial<KeptSend> | null;
  return (
    typeof send === 'object' &&
    send !== null &&
    typeof send.clientMessageId === 'string' &&
    typeof send.roomId === 'string' &&
    typeof send.text === 'string' &&
    Array.isArray(send.attachments) &&
    typeof send.createdAt === 'number'
  );
}
