/**
 * The chat's Lambda handlers, one per route, built around one `ChatService`:
 * what a process (or a Lambda container at cold start) wires up once.
 */
import type { ChatRouteKey } from '../api/definition.ts';
import { addReactionHandler } from './add-reaction.ts';
import { auditLogHandler } from './audit-log.ts';
import { authorizerHandler } from './authorizer.ts';
import { banHandler } from './ban.ts';
import { bansHandler } from './bans.ts';
import { catchUpHandler } from './catch-up.ts';
import { connectHandler } from './connect.ts';
import { createInviteHandler } from './create-invite.ts';
import { createRoomHandler } from './create-room.ts';
import { deactivateUserHandler } from './deactivate-user.ts';
import { deleteMessageHandler } from './delete-message.ts';
import { disconnectHandler } from './disconnect.ts';
import { editMessageHandler } from './edit-message.ts';
import { findUsersHandler } from './find-users.ts';
import type { AuthorizerHandler, ChatHandler, ChatHandlerDependencies } from './handler-types.ts';
import { helloHandler } from './hello.ts';
import { historyHandler } from './history.ts';
import { inviteMemberHandler } from './invite-member.ts';
import { invitesHandler } from './invites.ts';
import { joinRoomHandler } from './join-room.ts';
import { leaveRoomHandler } from './leave-room.ts';
import { listRoomsHandler } from './list-rooms.ts';
import { markReadHandler } from './mark-read.ts';
import { markThreadReadHandler } from './mark-thread-read.ts';
import { markUnreadHandler } from './mark-unread.ts';
import { membersHandler } from './members.ts';
import { onlineHandler } from './online.ts';
import { openDirectHandler } from './open-direct.ts';
import { openGroupHandler } from './open-group.ts';
import { pinMessageHandler, unpinMessageHandler } from './pin-message.ts';
import { pingHandler } from './ping.ts';
import { pinsHandler } from './pins.ts';
import { redeemInviteHandler } from './redeem-invite.ts';
import { removeMemberHandler } from './remove-member.ts';
import { removeReactionHandler } from './remove-reaction.ts';
import { renameRoomHandler } from './rename-room.ts';
import { replyInThreadHandler } from './reply-in-thread.ts';
import { revokeInviteHandler } from './revoke-invite.ts';
import { searchHandler } from './search.ts';
import { sendMessageHandler } from './send-message.ts';
import { setMemberRoleHandler } from './set-member-role.ts';
import { setNotificationsHandler } from './set-notifications.ts';
import { setReadOnlyHandler } from './set-read-only.ts';
import { setRoomVisibilityHandler } from './set-room-visibility.ts';
import { setTopicHandler } from './set-topic.ts';
import { threadHandler } from './thread.ts';
import { threadsHandler } from './threads.ts';
import { typingHandler } from './typing.ts';
import { unbanHandler } from './unban.ts';
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
  setTopic: setTopicHandler,
  renameRoom: renameRoomHandler,
  setRoomVisibility: setRoomVisibilityHandler,
  inviteMember: inviteMemberHandler,
  createInvite: createInviteHandler,
  invites: invitesHandler,
  revokeInvite: revokeInviteHandler,
  redeemInvite: redeemInviteHandler,
  members: membersHandler,
  setMemberRole: setMemberRoleHandler,
  removeMember: removeMemberHandler,
  ban: banHandler,
  unban: unbanHandler,
  bans: bansHandler,
  setReadOnly: setReadOnlyHandler,
  auditLog: auditLogHandler,
  deactivateUser: deactivateUserHandler,
  openDirect: openDirectHandler,
  openGroup: openGroupHandler,
  findUsers: findUsersHandler,
  sendMessage: sendMessageHandler,
  editMessage: editMessageHandler,
  deleteMessage: deleteMessageHandler,
  addReaction: addReactionHandler,
  removeReaction: removeReactionHandler,
  pinMessage: pinMessageHandler,
  unpinMessage: unpinMessageHandler,
  pins: pinsHandler,
  replyInThread: replyInThreadHandler,
  thread: threadHandler,
  markThreadRead: markThreadReadHandler,
  threads: threadsHandler,
  history: historyHandler,
  catchUp: catchUpHandler,
  markRead: markReadHandler,
  markUnread: markUnreadHandler,
  setNotifications: setNotificationsHandler,
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
