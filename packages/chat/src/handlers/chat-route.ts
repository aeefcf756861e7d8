/**
 * The shared shape of every message route: read the caller from the authorizer
 * context, parse the frame (the gateway has validated it against the action's
 * model), run one service call, and answer with one frame. A `ChatError` becomes
 * the documented `{"type":"error",...}` frame (docs/protocol.md, "error");
 * anything else becomes `INTERNAL` and is logged, never leaked.
 */
import type { ChatAction, ErrorMessage, RequestOf, ServerMessage } from '../api/protocol.ts';
import { holdsIllFormedString, ILL_FORMED_STRING } from '../api/well-formed.ts';
import type { ChatLogger } from '../domain/chat-service.ts';
import { ChatError, toChatError } from '../domain/errors.ts';
import type { ConnectionId, UserId } from '../domain/types.ts';
import type { ChatEvent, ChatHandler, ChatHandlerDependencies, ChatResult } from './handler-types.ts';

/** Who sent the frame. */
export interface Caller {
  userId: UserId;
  connectionId: ConnectionId;
}

/** What an action answers: one server frame, or nothing (`typing`). `requestId` is added here. */
export type RouteAnswer = ServerMessage | undefined;

const consoleLogger: ChatLogger = { warn: (details, message) => console.warn(message, details) };

/**
 * Builds the Lambda handler of one action.
 * @example
 * export const pingHandler = (deps: ChatHandlerDependencies) =>
 *   chatRoute('ping', deps, async () => ({ type: 'pong', now: Date.now() }));
 */
export function chatRoute<A extends ChatAction>(
  action: A,
  { logger = consoleLogger }: ChatHandlerDependencies,
  answer: (request: RequestOf<A>, caller: Caller) => Promise<RouteAnswer>,
): ChatHandler {
  return async (event) => {
    let requestId: string | undefined;
    try {
      const body = event.body ?? '';
      const request = parseRequest<A>(body);
      requestId =
        typeof request.requestId === 'string' && request.requestId.isWellFormed() ? request.requestId : undefined;
      if (holdsIllFormedString(body, request)) throw new ChatError('BAD_REQUEST', ILL_FORMED_STRING);
      const message = await answer(request, callerOf(event));
      return message ? reply(200, withRequestId(message, requestId)) : { statusCode: 200 };
    } catch (error) {
      const failure = toChatError(error);
      if (failure.code === 'INTERNAL') {
        logger.warn({ err: error, action, connectionId: event.requestContext.connectionId }, 'chat: handler failed');
      }
      return reply(failure.status, errorFrame(failure, action, requestId));
    }
  };
}

/** The caller of any event that passed the authorizer. */
export function callerOf(event: ChatEvent): Caller {
  const userId = event.requestContext.authorizer?.principalId;
  // Only a deployment without the authorizer gets here without a principal.
  if (typeof userId !== 'string' || userId === '') throw new ChatError('UNAUTHENTICATED');
  return { userId, connectionId: event.requestContext.connectionId };
}

/** The `error` frame of a failed request. */
export function errorFrame(
  error: ChatError,
  action: ChatAction | undefined,
  requestId: string | undefined,
): ErrorMessage {
  return {
    type: 'error',
    ...(requestId !== undefined && { requestId }),
    ...(action !== undefined && { action }),
    code: error.code,
    message: error.message,
    ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }),
  };
}

export function reply(statusCode: number, message: ServerMessage): ChatResult {
  return { statusCode, body: JSON.stringify(message) };
}

function parseRequest<A extends ChatAction>(body: string): RequestOf<A> {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') return parsed as RequestOf<A>;
  } catch {
    // Reported below: the gateway's model check normally answers first.
  }
  throw new ChatError('BAD_REQUEST', 'The frame is not a JSON object.');
}

/** `type` first, then `requestId`, then the rest, as docs/protocol.md shows frames. */
function withRequestId(message: ServerMessage, requestId: string | undefined): ServerMessage {
  return requestId === undefined ? message : Object.assign({ type: message.type, requestId }, message);
}
