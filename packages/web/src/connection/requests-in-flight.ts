/**
 * The requests sent and not answered yet, each by its `requestId`, so that an
 * answer finds the request it answers (docs/protocol.md, "Overview"): the
 * frame that carries the id resolves it, an `error` that carries it rejects it,
 * and no answer within the timeout rejects it with `TIMEOUT`. The ids count up
 * and are never given twice, so a late answer to a request given up settles
 * nothing. When the socket goes away, every request still out is rejected
 * (`DISCONNECTED`): its answer can no longer come.
 *
 * It holds no socket: `ChatConnection` writes the frames and hands it the frames
 * that may answer them.
 */
import type { ClientRequest, ServerMessage } from '@switchboard/chat/api';
import { ChatRequestError } from './chat-request-error.ts';

/** A request as the caller writes it: its `requestId` is given when it is sent. */
export type ChatRequest = ClientRequest extends infer R
  ? R extends ClientRequest
    ? Omit<R, 'requestId'>
    : never
  : never;

interface InFlight {
  resolve: (frame: ServerMessage) => void;
  reject: (error: ChatRequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class RequestsInFlight {
  /** Writes a frame to the socket; false when there is none or it failed. */
  readonly #write: (frame: ClientRequest) => boolean;
  readonly #timeoutMs: number;
  readonly #inFlight = new Map<string, InFlight>();
  #nextRequestId = 0;

  constructor(write: (frame: ClientRequest) => boolean, timeoutMs: number) {
    this.#write = write;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends a request under a new `requestId` and resolves with its answer. */
  send(request: ChatRequest): Promise<ServerMessage> {
    const requestId = `r${++this.#nextRequestId}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#inFlight.delete(requestId);
        reject(new ChatRequestError('TIMEOUT', 'The server did not answer in time.', request.action));
      }, this.#timeoutMs);
      this.#inFlight.set(requestId, { resolve, reject, timer });
      if (!this.#write({ ...request, requestId } as ClientRequest)) {
        clearTimeout(timer);
        this.#inFlight.delete(requestId);
        reject(ChatRequestError.notConnected(request.action));
      }
    });
  }

  /** Resolves the request a frame answers, if any. */
  resolve(frame: ServerMessage): void {
    this.#take('requestId' in frame ? frame.requestId : undefined)?.resolve(frame);
  }

  /** Rejects the request an `error` answers; false when it answers none that is out. */
  reject(requestId: string | undefined, failure: ChatRequestError): boolean {
    const inFlight = this.#take(requestId);
    inFlight?.reject(failure);
    return inFlight !== undefined;
  }

  /** The socket went away: no request still out can be answered now. */
  disconnected(): void {
    for (const [requestId, inFlight] of this.#inFlight) {
      clearTimeout(inFlight.timer);
      inFlight.reject(new ChatRequestError('DISCONNECTED', 'The connection closed.'));
      this.#inFlight.delete(requestId);
    }
  }

  /** The request out under this id, no longer waited for. */
  #take(requestId: string | undefined): InFlight | undefined {
    if (requestId === undefined) return undefined;
    const inFlight = this.#inFlight.get(requestId);
    if (inFlight === undefined) return undefined;
    clearTimeout(inFlight.timer);
    this.#inFlight.delete(requestId);
    return inFlight;
  }
}
