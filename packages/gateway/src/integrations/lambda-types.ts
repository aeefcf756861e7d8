/**
 * The Lambda programming model as the gateway offers it: the same handler
 * signature, context object and result shapes as AWS Lambda for Node.js.
 */
import type { WebSocketEvent } from '../events.ts';

export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/** What a proxy-integration handler may return (API Gateway's proxy result). */
export interface ProxyResult {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
  isBase64Encoded?: boolean;
}

export type LambdaCallback = (error?: unknown, result?: unknown) => void;

// biome-ignore lint/suspicious/noExplicitAny: handlers are user code with any event type they like.
export type LambdaHandler<TEvent = any, TResult = unknown> = (
  event: TEvent,
  context: LambdaContext,
  callback: LambdaCallback,
) => Promise<TResult> | TResult | undefined;

/** The gateway's events as handlers receive them. */
export type WebSocketHandler = LambdaHandler<WebSocketEvent, ProxyResult | string | undefined>;
