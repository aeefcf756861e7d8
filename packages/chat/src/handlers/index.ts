/**
 * The chat's Lambda handlers, one per route, built around one `ChatService`:
 * what a process (or a Lambda container at cold start) wires up once.
 */
import type { ChatRouteKey } from '../api/definition.ts';
import { authorizerHandler } from './authorizer.ts';
import { catchUpHandler } from './catch-up.ts';
import { connectHandler } from './connect.ts';
import { createRoomHandler } from './create-room.ts';
import { deleteMessageHandler } from './delete-message.ts';
import { disconnectHandler } from './disconnect.ts';
import { editMessageHandler } from './edit-message.ts';
import type { AuthorizerHandler, ChatHandler, ChatHandlerDependencies } from './handler-types.ts';
import { helloHandler } from './hello.ts';
import { historyHandler } from './history.ts';
import { joinRoomHandler } from './join-room.ts';
import { leaveRoomHandler } from './leave-room.ts';
import { listRoomsHandler } from './list-rooms.ts';
import { markReadHandler } from './mark-read.ts';
import { membersHandler } from './members.ts';
import { onlineHandler } from './online.ts';
import { openDirectHandler } from './open-direct.ts';
import { pingHandler } from './ping.ts';
import { searchHandler } from './search.ts';
import { sendMessageHandler } from './send-message.ts';
import { typingHandler } from './typing.ts';
import { unknownActionHandler } from './unknown-action.ts';

export type * from './handler-types.ts';

/** Handler factories by route key. */
export const chatHandlerFactories: Record<ChatRouteKey, (deps: ChatHandlerDependencies) => ChatHandler> = {
  $connect: connectHandler,
  $disconnect: disconnectHandler,
  $default: unknownActionHandler,
  hello: helloHandler,
  listRooms: listRoomsHandler,
  createRoom: createRoomHandler,
  joinRoom: joinRoomHandler,
  leaveRoom: leaveRoomHandler,
  members: membersHandler,
  openDirect: openDirectHandler,
  sendMessage: sendMessageHandler,
  editMessage: editMessageHandler,
  deleteMessage: deleteMessageHandler,
  history: historyHandler,
  catchUp: catchUpHandler,
  markRead: markReadHandler,
  typing: typingHandler,
  online: onlineHandler,
  search: searchHandler,
  ping: pingHandler,
};

export interface ChatHandlers {
  authorizer: AuthorizerHandler;
  routes: Record<ChatRouteKey, ChatHandler>;
}

/**
 * Every handler, sharing `deps`.
 * @example const definition = chatApiDefinition(createChatHandlers({ service }));
 */
export function createChatHandlers(deps: ChatHandlerDependencies): ChatHandlers {
  const routes = Object.fromEntries(
    Object.entries(chatHandlerFactories).map(([key, factory]) => [key, factory(deps)]),
  ) as Record<ChatRouteKey, ChatHandler>;
  return { authorizer: authorizerHandler(deps), routes };
}
