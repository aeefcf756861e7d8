/**
 * The Lambda shapes the chat's handlers use: the parts of API Gateway's WebSocket
 * proxy event, REQUEST authorizer event and results that the chat reads. They are
 * structural, so the same handlers take events from the Switchboard gateway and
 * from API Gateway on AWS Lambda without importing either.
 */
import type { ChatLogger, ChatService } from '../domain/chat-service.ts';

export interface ChatEvent {
  requestContext: {
    connectionId: string;
    routeKey: string;
    /** The REQUEST authorizer's output (principalId plus its context, stringified). */
    authorizer?: Record<string, unknown> | null;
  };
  /** The frame text, on message routes. */
  body?: string | null;
}

export interface AuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  queryStringParameters?: Record<string, string> | null;
}

/** Lambda's context object; the chat does not need any of it. */
export type ChatContext = object;

/** A proxy result: `body` is the route response (sent to the caller on two-way routes). */
export interface ChatResult {
  statusCode: number;
  body?: string;
}

export type ChatHandler = (event: ChatEvent, context: ChatContext) => Promise<ChatResult>;

export interface AuthorizerResult {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: Array<{ Action: 'execute-api:Invoke'; Effect: 'Allow'; Resource: string }>;
  };
  context: { userId: string; username: string; guest: boolean; sessionId: string };
}

export type AuthorizerHandler = (event: AuthorizerEvent, context: ChatContext) => Promise<AuthorizerResult>;

/** What every handler factory takes: module-scope clients, as a Lambda would build at cold start. */
export interface ChatHandlerDependencies {
  service: ChatService;
  /** Where unexpected faults (`INTERNAL` answers) are reported. @default console.warn */
  logger?: ChatLogger;
}
