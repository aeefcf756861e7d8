/**
 * The port between the gateway and whatever answers a route: a Lambda-style
 * function or an HTTP backend. The gateway hands over the AWS-shaped event and
 * gets back a proxy-style result; timeouts and errors are the gateway's to map to
 * status codes and error frames.
 */
import type { WebSocketEvent } from '../events.ts';

export interface IntegrationResult {
  /** HTTP-style status; decides `$connect` (2xx accepts). Absent means 200. */
  statusCode?: number;
  /** Headers for the 101 response on `$connect`. */
  headers?: Record<string, string>;
  /** Text sent back on a two-way route. Absent means nothing is sent. */
  body?: string;
}

export interface InvocationRequest {
  event: WebSocketEvent;
  /** Deadline in epoch milliseconds; the integration should give up after it. */
  deadline: number;
}

export interface Integration {
  invoke(request: InvocationRequest): Promise<IntegrationResult>;
  /** Releases what the integration holds (workers, sockets). */
  close(): Promise<void>;
}

/** Thrown when an integration does not answer before its deadline. */
export class IntegrationTimeoutError extends Error {
  /**
   * The work that missed its deadline, when it could not be stopped (a handler
   * given as a function keeps running in the gateway's thread): it may still
   * succeed, and a `$connect` that does must still get its `$disconnect`.
   * Undefined when the work was stopped (a worker terminated, a request aborted).
   */
  readonly late: Promise<IntegrationResult> | undefined;

  constructor(timeoutMs: number, late?: Promise<IntegrationResult>) {
    super(`Integration did not answer within ${timeoutMs} ms`);
    this.name = 'IntegrationTimeoutError';
    this.late = late;
  }
}
