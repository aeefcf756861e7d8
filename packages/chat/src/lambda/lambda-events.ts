/**
 * The API Gateway event shapes the Lambda entry points read, beyond what the
 * handlers themselves need (handlers/handler-types.ts): where the event came from,
 * so a function can call that API's `@connections` endpoint, and the HTTP API's
 * payload format 2.0.
 */
import type { AuthorizerEvent, ChatEvent } from '../handlers/handler-types.ts';

/** The stage a WebSocket event (or its authorizer's event) came through. */
export interface WebSocketOrigin {
  /** `<api-id>.execute-api.<region>.amazonaws.com`, or a custom domain. */
  domainName: string;
  stage: string;
}

/** A WebSocket route's proxy event (apigw-websocket-spec.md section 1). */
export interface WebSocketLambdaEvent extends ChatEvent {
  requestContext: ChatEvent['requestContext'] & WebSocketOrigin;
}

/** The REQUEST authorizer's event on `$connect`: it carries the same request context (spec 6). */
export interface AuthorizerLambdaEvent extends AuthorizerEvent {
  requestContext: WebSocketOrigin;
}

/** An HTTP API (API Gateway v2) Lambda proxy event, payload format 2.0: the fields the chat reads. */
export interface HttpApiEvent {
  version: '2.0';
  rawPath: string;
  rawQueryString?: string;
  /** Lower-case names; repeated headers arrive joined with commas. */
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: { http: { method: string; sourceIp: string } };
}

/** The payload format 2.0 result. */
export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}
