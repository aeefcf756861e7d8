/**
 * AWS-shaped Lambda proxy events for WebSocket APIs (spec section 1).
 *
 * The shapes follow what AWS sends, not `@types/aws-lambda`: `headers` only on
 * CONNECT and DISCONNECT, `messageId` only on MESSAGE, query parameters only when
 * the URL had a query string, `disconnectStatusCode`/`disconnectReason` only on
 * DISCONNECT (spec 1.1, 1.5).
 */
import { clfTime } from './time.ts';

export type EventType = 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

export interface RequestContext {
  routeKey: string;
  eventType: EventType;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  messageId?: string;
  disconnectStatusCode?: number;
  disconnectReason?: string;
  authorizer?: Record<string, string>;
}

export interface WebSocketEvent {
  requestContext: RequestContext;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  stageVariables?: Record<string, string>;
  body?: string;
  isBase64Encoded: false;
}

/** What every event of one connection shares. */
export interface ConnectionFacts {
  connectionId: string;
  connectedAt: number;
  sourceIp: string;
  stage: string;
  domainName: string;
  apiId: string;
  stageVariables: Record<string, string> | undefined;
  authorizer: Record<string, string> | undefined;
}

/** The handshake as API Gateway passes it on: headers keep the client's case. */
export interface HandshakeFacts {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  query: { single: Record<string, string>; multi: Record<string, string[]> } | undefined;
}

export function requestContext(
  facts: ConnectionFacts,
  routeKey: string,
  eventType: EventType,
  requestId: string,
  now: number,
): RequestContext {
  const context: RequestContext = {
    routeKey,
    eventType,
    extendedRequestId: requestId,
    requestTime: clfTime(now),
    messageDirection: 'IN',
    stage: facts.stage,
    connectedAt: facts.connectedAt,
    requestTimeEpoch: now,
    identity: { sourceIp: facts.sourceIp },
    requestId,
    domainName: facts.domainName,
    connectionId: facts.connectionId,
    apiId: facts.apiId,
  };
  if (facts.authorizer) context.authorizer = facts.authorizer;
  return context;
}

function withStageVariables(event: WebSocketEvent, facts: ConnectionFacts): WebSocketEvent {
  // Spec 1.1: present only when the stage defines some (our documented choice).
  if (facts.stageVariables) event.stageVariables = facts.stageVariables;
  return event;
}

export function connectEvent(
  facts: ConnectionFacts,
  handshake: HandshakeFacts,
  requestId: string,
  now: number,
): WebSocketEvent {
  const event: WebSocketEvent = {
    headers: handshake.headers,
    multiValueHeaders: handshake.multiValueHeaders,
    requestContext: requestContext(facts, '$connect', 'CONNECT', requestId, now),
    isBase64Encoded: false,
  };
  if (handshake.query) {
    event.queryStringParameters = handshake.query.single;
    event.multiValueQueryStringParameters = handshake.query.multi;
  }
  return withStageVariables(event, facts);
}

export function messageEvent(
  facts: ConnectionFacts,
  routeKey: string,
  body: string,
  requestId: string,
  messageId: string,
  now: number,
): WebSocketEvent {
  const context = requestContext(facts, routeKey, 'MESSAGE', requestId, now);
  context.messageId = messageId;
  return withStageVariables({ requestContext: context, body, isBase64Encoded: false }, facts);
}

export function disconnectEvent(
  facts: ConnectionFacts,
  statusCode: number,
  reason: string,
  requestId: string,
  now: number,
): WebSocketEvent {
  const context = requestContext(facts, '$disconnect', 'DISCONNECT', requestId, now);
  context.disconnectStatusCode = statusCode;
  context.disconnectReason = reason;
  // Spec 1.4: API Gateway sends these fixed headers on $disconnect, not the handshake's.
  const headers = { Host: facts.domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
  return withStageVariables(
    {
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      requestContext: context,
      isBase64Encoded: false,
    },
    facts,
  );
}
