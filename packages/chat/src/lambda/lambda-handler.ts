/**
 * Wraps the chat's handler factories (handlers/) as Lambda entry points: the
 * dependencies come from the container's runtime (chat-runtime.ts), built from
 * the parts the entry module names, the factory runs once per runtime, and every
 * invocation is instrumented (runtime/observability.ts). An entry point holds no
 * logic of its own.
 *
 * @example
 * // lambda/routes/send-message.ts
 * export const handler = webSocketRoute(sendMessageHandler, { store: tableStore, poster: connectionPoster });
 */
import type { ChatContext, ChatHandlerDependencies } from '../handlers/handler-types.ts';
import { chatDependencies, connectionsUrl, type FunctionParts } from './chat-runtime.ts';
import type { WebSocketOrigin } from './lambda-events.ts';
import { instrumented } from './runtime/observability.ts';

type Handler<E, R> = (event: E, context: ChatContext) => Promise<R>;

/**
 * A handler factory as a Lambda handler for events that came through a
 * WebSocket stage (routes and the authorizer): broadcasts go to that stage's
 * `@connections` endpoint.
 */
export function webSocketRoute<E, R>(
  factory: (deps: ChatHandlerDependencies) => Handler<E, R>,
  parts: FunctionParts,
): Handler<E & { requestContext: WebSocketOrigin }, R> {
  return withDependencies(
    factory,
    (event: E & { requestContext: WebSocketOrigin }) => connectionsUrl(event.requestContext),
    parts,
  );
}

/** A handler factory as a Lambda handler whose `@connections` endpoint is `endpointOf(event)`. */
export function withDependencies<E, R>(
  factory: (deps: ChatHandlerDependencies) => Handler<E, R>,
  endpointOf: (event: E) => string,
  parts: FunctionParts,
): Handler<E, R> {
  const built = new WeakMap<ChatHandlerDependencies, Handler<E, R>>();
  return instrumented(factory.name || 'handler', async (event, context) => {
    const deps = await chatDependencies(endpointOf(event), parts);
    let handler = built.get(deps);
    if (!handler) {
      handler = factory(deps);
      built.set(deps, handler);
    }
    return handler(event, context);
  });
}
