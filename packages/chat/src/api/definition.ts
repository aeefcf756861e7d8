/**
 * The chat's WebSocket API as a gateway definition: the one description that the
 * self-hosted server passes to the Switchboard gateway and that the AWS CDK app
 * turns into API Gateway routes, models and the authorizer. It is data plus
 * handler references; what a reference is (a function here, a Lambda there) is
 * the caller's choice.
 *
 * - route selection on `$request.body.action`, one route per action, each with
 *   its draft-4 request model (api/models.ts) and a route response (the answer
 *   frame goes back to the caller);
 * - `$default` for unknown actions, with a model that refuses anything but a
 *   JSON object with a string `action`, so malformed frames get the gateway's
 *   `Invalid request body` frame;
 * - a REQUEST authorizer reading `?token=` (spec 6: a missing token is 401
 *   without invoking it).
 */
import { type JsonSchema, requestModels } from './models.ts';
import { ChatAction } from './protocol.ts';

/** The stage: the WebSocket API lives at `/<stage>` on the server's origin (`ws://localhost:8080/ws`). */
export const CHAT_STAGE = 'ws';

export type ChatRouteKey = '$connect' | '$disconnect' | '$default' | ChatAction;

/** Every route key: the actions and the three special routes. */
export const chatRouteKeys: readonly ChatRouteKey[] = ['$connect', '$disconnect', '$default', ...ChatAction];

export interface ChatRouteDefinition<H> {
  handler: H;
  /** Two-way route: the handler's `body` is sent back to the caller. */
  routeResponse?: boolean;
  model?: JsonSchema;
}

export interface ChatApiDefinition<H, A> {
  stage: string;
  routeSelectionExpression: string;
  authorizer: { handler: A; identitySource: string[] };
  routes: Record<ChatRouteKey, ChatRouteDefinition<H>>;
}

export interface ChatApiDefinitionOptions {
  /** @default 'ws' */
  stage?: string;
}

/** A frame routed to `$default` must still be a JSON object naming an action. */
const defaultRouteModel: JsonSchema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'unknown action request',
  type: 'object',
  properties: { action: { type: 'string', minLength: 1 }, requestId: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['action'],
};

/**
 * @example
 * const gateway = await createGateway(chatApiDefinition(createChatHandlers({ service })), { port: 8080 });
 */
export function chatApiDefinition<H, A>(
  handlers: { authorizer: A; routes: Record<ChatRouteKey, H> },
  options: ChatApiDefinitionOptions = {},
): ChatApiDefinition<H, A> {
  const actionRoutes = Object.fromEntries(
    ChatAction.map((action) => [
      action,
      { handler: handlers.routes[action], routeResponse: true, model: requestModels[action] },
    ]),
  ) as Record<ChatAction, ChatRouteDefinition<H>>;
  return {
    stage: options.stage ?? CHAT_STAGE,
    routeSelectionExpression: '$request.body.action',
    authorizer: { handler: handlers.authorizer, identitySource: ['route.request.querystring.token'] },
    routes: {
      $connect: { handler: handlers.routes.$connect },
      $disconnect: { handler: handlers.routes.$disconnect },
      $default: { handler: handlers.routes.$default, routeResponse: true, model: defaultRouteModel },
      ...actionRoutes,
    },
  };
}
