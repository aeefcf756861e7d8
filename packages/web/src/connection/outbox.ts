/**
 * The outbox: the messages the user sent that the server has not acknowledged
 * as stored yet, by `clientMessageId` (the `pending` list the UI shows). A send
 * goes out again with its original `clientMessageId` whenever its answer may
 * have been lost: after every `welcome`, when no answer came in time, and after
 * a refusal that may pass; the server stores a `clientMessageId` once, so a
 * message is never stored twice (docs/protocol.md, "sendMessage"). A send
 * refused for good stays, `failed`, until the user retries or discards it.
 *
 * It holds no socket: `ChatConnection` writes its frames and hands it the `ack`s
 * and the `error`s that answer them.
 */
import type { AttachmentInput, ClientRequest, RoomId } from '@switchboard/chat/api';
import type { ChatRequestError } from './chat-request-error.ts';

/** A message typed by the user and not yet acknowledged as stored. */
export interface PendingSend {
  clientMessageId: string;
  roomId: RoomId;
  text: string;
  /** Uploaded files sent with the text (docs/protocol.md, "Files"). */
  attachments: AttachmentInput[];
  createdAt: number;
  /** `failed`: refused for good (e.g. too long); the user may retry or discard it. */
  status: 'sending' | 'failed';
  error: ChatRequestError | null;
}

export interface OutboxOptions {
  /** Writes a frame to the socket, if there is one. */
  write: (frame: ClientRequest) => void;
  /** Whether sends may go out now (from a `welcome` until the socket closes); the rest wait for `resendAll`. */
  welcomed: () => boolean;
  createId: () => string;
  now: () => number;
  /** How long an answer may take before the send goes out again. */
  resendAfterMs: number;
  /** The list of unacknowledged sends changed. */
  onChange: (pending: readonly PendingSend[]) => void;
  /** A send was refused by a rate limit (`RATE_LIMITED`); it goes out again by itself after `retryAfterMs`. */
  onThrottled: (retryAfterMs: number) => void;
  /** Sends kept from before a reload (unsent-sends.ts): they go out with the next `resendAll`. @default none */
  restored?: readonly PendingSend[];
}

/** A send's `requestId` is this and its `clientMessageId`: its answer finds it after any reconnect. */
const SEND_REQUEST_PREFIX = 'send:';

export class Outbox {
  readonly #options: OutboxOptions;
  readonly #pending = new Map<string, PendingSend>();
  /** When each send goes out again, unless its answer comes first. */
  readonly #resendTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(options: OutboxOptions) {
    this.#options = options;
    for (const pending of options.restored ?? []) this.#pending.set(pending.clientMessageId, pending);
  }

  get pending(): readonly PendingSend[] {
    return [...this.#pending.values()];
  }

  /** Queues a message and sends it now if welcomed. */
  add(roomId: RoomId, text: string, attachments: AttachmentInput[]): PendingSend {
    const pending: PendingSend = {
      clientMessageId: this.#options.createId(),
      roomId,
      text,
      attachments,
      createdAt: this.#options.now(),
      status: 'sending',
      error: null,
    };
    this.#pending.set(pending.clientMessageId, pending);
    this.#emitPending();
    this.#transmit(pending);
    return pending;
  }

  /** Sends a failed message again, with its original `clientMessageId`. */
  retry(clientMessageId: string): void {
    const pending = this.#pending.get(clientMessageId);
    if (pending === undefined) return;
    this.#update(pending, { status: 'sending', error: null });
    this.#transmit(this.#pending.get(clientMessageId)!);
  }

  /** Sends every message not refused for good again (after a `welcome`: their answers went with the old socket). */
  resendAll(): void {
    for (const pending of this.#pending.values()) {
      if (pending.status === 'sending') this.#transmit(pending);
    }
  }

  /** The message leaves the outbox: stored (its `ack`), or discarded by the user. */
  remove(clientMessageId: string): void {
    clearTimeout(this.#resendTimers.get(clientMessageId));
    this.#resendTimers.delete(clientMessageId);
    if (this.#pending.delete(clientMessageId)) this.#emitPending();
  }

  /**
   * Takes the `error` that answers a send: one that may pass sends it again
   * later, any other marks it `failed`. False when the error answers no send.
   */
  refused(requestId: string | undefined, failure: ChatRequestError): boolean {
    const pending = requestId?.startsWith(SEND_REQUEST_PREFIX)
      ? this.#pending.get(requestId.slice(SEND_REQUEST_PREFIX.length))
      : undefined;
    if (pending === undefined) return false;
    clearTimeout(this.#resendTimers.get(pending.clientMessageId));
    if (failure.transient) {
      // Not stored: the same clientMessageId later can never duplicate it.
      const delay = failure.retryAfterMs ?? 2000;
      if (failure.code === 'RATE_LIMITED') this.#options.onThrottled(delay);
      this.#scheduleResend(pending, delay);
    } else {
      this.#resendTimers.delete(pending.clientMessageId);
      this.#update(pending, { status: 'failed', error: failure });
    }
    return true;
  }

  /** Sends nothing again by itself (the connection stopped); the messages stay. */
  stopResending(): void {
    for (const timer of this.#resendTimers.values()) clearTimeout(timer);
    this.#resendTimers.clear();
  }

  #transmit(pending: PendingSend): void {
    if (!this.#options.welcomed()) return;
    const { roomId, text, clientMessageId, attachments } = pending;
    this.#options.write({
      action: 'sendMessage',
      roomId,
      text,
      clientMessageId,
      ...(attachments.length > 0 && { attachments }),
      requestId: `${SEND_REQUEST_PREFIX}${clientMessageId}`,
    });
    // An answer can be lost (a throttled frame gets the gateway's answer, not ours): send again; it is idempotent.
    this.#scheduleResend(pending, this.#options.resendAfterMs);
  }

  #scheduleResend(pending: PendingSend, delayMs: number): void {
    clearTimeout(this.#resendTimers.get(pending.clientMessageId));
    this.#resendTimers.set(
      pending.clientMessageId,
      setTimeout(() => {
        this.#resendTimers.delete(pending.clientMessageId);
        const current = this.#pending.get(pending.clientMessageId);
        if (current?.status === 'sending') this.#transmit(current);
      }, delayMs),
    );
  }

  #update(pending: PendingSend, change: Partial<PendingSend>): void {
    this.#pending.set(pending.clientMessageId, { ...pending, ...change });
    this.#emitPending();
  }

  #emitPending(): void {
    this.#options.onChange(this.pending);
  }
}
