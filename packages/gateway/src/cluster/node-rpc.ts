/**
 * Request and reply between nodes over pub/sub. Every node subscribes to its own
 * inbox; a request carries the asking node's id, and the reply goes to that node's
 * inbox, matched by request id.
 *
 *   node A ─PUBLISH P:inbox:B {t:'q',id,from:A,request}+payload─▶ node B serves it locally
 *   node A ◀─PUBLISH P:inbox:A {t:'a',id,answer}──────────────── node B
 *
 * A request nobody receives (PUBLISH reaches no subscriber) or nobody answers within
 * the timeout resolves `undefined`; the caller then asks whether the node is alive.
 */
import type { Logger } from 'pino';
import type { ManagementErrorType } from '../management/errors.ts';
import type { ConnectionDescription } from '../management/operations.ts';
import { decodeEnvelope, encodeEnvelope } from './envelope.ts';

/** What one node asks another to do for a connection it holds. */
export type ForwardedRequest =
  | { op: 'post' | 'get' | 'delete'; connectionId: string }
  | { op: 'subscribe' | 'unsubscribe'; connectionId: string; channel: string };

/** The outcome of a forwarded request: its result, or the `@connections` error it raised. */
export type ForwardedAnswer =
  | { ok: true; body?: unknown }
  | { ok: false; type: ManagementErrorType | undefined; message: string };

type InboxMessage =
  | { t: 'q'; id: number; from: string; request: ForwardedRequest }
  | { t: 'a'; id: number; answer: ForwardedAnswer };

export interface NodeRpcOptions {
  /** This node's id, read at each request. */
  nodeId: () => string;
  inbox: (nodeId: string) => string;
  /** PUBLISH; resolves with how many subscribers received the message. */
  publish: (topic: string, message: Buffer) => Promise<number>;
  /** How long a request waits for its reply. */
  timeoutMs: number;
  /** Serves a request from another node. */
  serve: (request: ForwardedRequest, payload: Buffer) => Promise<ForwardedAnswer>;
  logger: Logger;
}

interface Pending {
  resolve: (answer: ForwardedAnswer | undefined) => void;
  timer: NodeJS.Timeout;
}

export class NodeRpc {
  readonly #options: NodeRpcOptions;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  constructor(options: NodeRpcOptions) {
    this.#options = options;
  }

  /** Sends a request to `nodeId`; resolves its answer, or undefined if none came. */
  async request(nodeId: string, request: ForwardedRequest, payload?: Buffer): Promise<ForwardedAnswer | undefined> {
    const id = ++this.#nextId;
    const answered = new Promise<ForwardedAnswer | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(undefined);
      }, this.#options.timeoutMs);
      this.#pending.set(id, { resolve, timer });
    });
    const message = encodeEnvelope({ t: 'q', id, from: this.#options.nodeId(), request }, payload);
    let receivers: number;
    try {
      receivers = await this.#options.publish(this.#options.inbox(nodeId), message);
    } catch (error) {
      this.#settle(id, undefined);
      throw error;
    }
    if (receivers === 0) this.#settle(id, undefined);
    return answered;
  }

  /** Handles a message that arrived in this node's inbox. */
  receive(raw: Buffer): void {
    let message: { header: InboxMessage; payload: Buffer };
    try {
      message = decodeEnvelope<InboxMessage>(raw);
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'cluster: unreadable inbox message');
      return;
    }
    const { header, payload } = message;
    if (header.t === 'a') {
      this.#settle(header.id, header.answer);
      return;
    }
    void this.#answer(header, payload);
  }

  /** Resolves every waiting request as unanswered (the node is stopping). */
  close(): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, undefined);
  }

  async #answer(question: { id: number; from: string; request: ForwardedRequest }, payload: Buffer): Promise<void> {
    const answer = await this.#options.serve(question.request, payload);
    try {
      await this.#options.publish(
        this.#options.inbox(question.from),
        encodeEnvelope({ t: 'a', id: question.id, answer }),
      );
    } catch (error) {
      this.#options.logger.warn({ err: error, node: question.from }, 'cluster: could not answer a forwarded request');
    }
  }

  #settle(id: number, answer: ForwardedAnswer | undefined): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(answer);
  }
}

interface WireDescription {
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
}

/** GetConnection's result as a forwarded answer's body (JSON has no dates). */
export function describeToWire(description: ConnectionDescription): WireDescription {
  return {
    connectedAt: description.ConnectedAt.getTime(),
    lastActiveAt: description.LastActiveAt.getTime(),
    sourceIp: description.Identity.SourceIp,
    userAgent: description.Identity.UserAgent,
  };
}

export function describeFromWire(body: unknown): ConnectionDescription {
  const wire = body as WireDescription;
  return {
    ConnectedAt: new Date(wire.connectedAt),
    Identity: { SourceIp: wire.sourceIp, UserAgent: wire.userAgent },
    LastActiveAt: new Date(wire.lastActiveAt),
  };
}
