/**
 * Request models: one JSON Schema (draft 4, as API Gateway models are) per
 * action, for the gateway's route validation and the AWS deployment. A body that
 * fails its model never reaches a handler; the client gets the gateway's
 * `{"message": "Invalid request body", ...}` frame (docs/protocol.md).
 *
 * Models check shape only. Rules a client should hear about by name (text length,
 * username and room name rules) are left to the service, which answers with a
 * typed error frame; sizes are still bounded here so nothing unbounded reaches it.
 */

import { FILE_NAME_MAX_LENGTH } from '../domain/attachments.ts';
import { InviteLimits } from '../domain/invite-limits.ts';
import { ChatLimits } from '../domain/limits.ts';
import { NotificationLevel } from '../domain/notification-settings.ts';
import { HttpRoute } from './http.ts';
import type { ChatAction } from './protocol.ts';

export type JsonSchema = Record<string, unknown>;

const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

const requestId = { type: 'string', minLength: 1, maxLength: 64 };
const id = { type: 'string', minLength: 1, maxLength: 128 };
const seq = { type: 'integer', minimum: 0 };
/** Bounded well above the limit so `MESSAGE_TOO_LONG` stays reachable (the gateway's frame limit applies too). */
const text = { type: 'string', maxLength: ChatLimits.messageMaxLength * 4 };
const name = { type: 'string', maxLength: 64 };
/** The service says `INVALID_EMOJI` for anything but one emoji; the model only bounds the size. */
const emoji = { type: 'string', minLength: 1, maxLength: ChatLimits.reactionEmojiMaxLength };
const cursor = { type: 'string', minLength: 1, maxLength: ChatLimits.cursorMaxLength };
const clientMessageId = { type: 'string', minLength: 1, maxLength: ChatLimits.clientMessageIdMaxLength };
const visibility = { type: 'string', enum: ['public', 'private'] };

function actionModel(
  action: ChatAction,
  properties: Record<string, JsonSchema> = {},
  required: string[] = [],
  extra: JsonSchema = {},
): JsonSchema {
  return {
    $schema: DRAFT_04,
    title: `${action} request`,
    type: 'object',
    properties: { action: { type: 'string', enum: [action] }, requestId, ...properties },
    required: ['action', ...required],
    additionalProperties: false,
    ...extra,
  };
}

/** A page of a room's messages before a `seq`: `history` and `pins`. */
function messagePageModel(action: 'history' | 'pins', maxLimit: number): JsonSchema {
  return actionModel(
    action,
    { roomId: id, before: { type: 'integer', minimum: 1 }, limit: { type: 'integer', minimum: 1, maximum: maxLimit } },
    ['roomId'],
  );
}

/** One draft-4 model per action. */
export const requestModels: Record<ChatAction, JsonSchema> = {
  hello: actionModel('hello'),
  listRooms: actionModel('listRooms', { cursor }),
  createRoom: actionModel('createRoom', { name, visibility }, ['name']),
  joinRoom: actionModel('joinRoom', { roomId: id }, ['roomId']),
  leaveRoom: actionModel('leaveRoom', { roomId: id }, ['roomId']),
  setTopic: actionModel(
    'setTopic',
    { roomId: id, topic: { type: 'string', maxLength: ChatLimits.topicMaxLength * 4 } },
    ['roomId', 'topic'],
  ),
  renameRoom: actionModel('renameRoom', { roomId: id, name }, ['roomId', 'name']),
  setRoomVisibility: actionModel('setRoomVisibility', { roomId: id, visibility }, ['roomId', 'visibility']),
  inviteMember: actionModel('inviteMember', { roomId: id, username: name }, ['roomId', 'username']),
  createInvite: actionModel(
    'createInvite',
    {
      roomId: id,
      expiresInMs: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      maxUses: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    },
    ['roomId'],
  ),
  invites: actionModel('invites', { roomId: id }, ['roomId']),
  revokeInvite: actionModel('revokeInvite', { inviteId: id }, ['inviteId']),
  redeemInvite: actionModel(
    'redeemInvite',
    { token: { type: 'string', minLength: 1, maxLength: InviteLimits.tokenMaxLength } },
    ['token'],
  ),
  members: actionModel('members', { roomId: id, cursor }, ['roomId']),
  setMemberRole: actionModel(
    'setMemberRole',
    { roomId: id, userId: id, role: { type: 'string', enum: ['admin', 'member'] } },
    ['roomId', 'userId', 'role'],
  ),
  removeMember: actionModel('removeMember', { roomId: id, userId: id, ban: { type: 'boolean' } }, ['roomId', 'userId']),
  ban: actionModel('ban', { roomId: id, userId: id, username: name }, ['roomId'], {
    oneOf: [{ required: ['userId'] }, { required: ['username'] }],
  }),
  unban: actionModel('unban', { roomId: id, userId: id }, ['roomId', 'userId']),
  bans: actionModel('bans', { roomId: id, cursor }, ['roomId']),
  setReadOnly: actionModel('setReadOnly', { roomId: id, readOnly: { type: 'boolean' } }, ['roomId', 'readOnly']),
  auditLog: actionModel('auditLog', { roomId: id, cursor }),
  deactivateUser: actionModel('deactivateUser', { userId: id }, ['userId']),
  openDirect: actionModel('openDirect', { userId: id, username: name }, [], {
    oneOf: [{ required: ['userId'] }, { required: ['username'] }],
  }),
  // Up to twice the largest group, so GROUP_SIZE stays reachable while the body stays small.
  openGroup: actionModel(
    'openGroup',
    { userIds: { type: 'array', maxItems: ChatLimits.groupMaxMembers * 2, items: id } },
    ['userIds'],
  ),
  // Bounded above the limit so the service's BAD_REQUEST names it.
  findUsers: actionModel('findUsers', { query: { type: 'string', maxLength: 64 }, cursor }, ['query']),
  sendMessage: actionModel(
    'sendMessage',
    {
      roomId: id,
      text,
      clientMessageId,
      attachments: {
        type: 'array',
        // The service says TOO_MANY_ATTACHMENTS past the deployment's limit; this only bounds the frame.
        maxItems: 16,
        items: {
          type: 'object',
          properties: {
            id,
            name: { type: 'string', maxLength: FILE_NAME_MAX_LENGTH * 4 },
            type: { type: 'string', minLength: 1, maxLength: 128 },
          },
          required: ['id', 'name', 'type'],
          additionalProperties: false,
        },
      },
    },
    ['roomId', 'text', 'clientMessageId'],
  ),
  editMessage: actionModel('editMessage', { messageId: id, text }, ['messageId', 'text']),
  deleteMessage: actionModel('deleteMessage', { messageId: id }, ['messageId']),
  addReaction: actionModel('addReaction', { messageId: id, emoji }, ['messageId', 'emoji']),
  removeReaction: actionModel('removeReaction', { messageId: id, emoji }, ['messageId', 'emoji']),
  pinMessage: actionModel('pinMessage', { messageId: id }, ['messageId']),
  unpinMessage: actionModel('unpinMessage', { messageId: id }, ['messageId']),
  pins: messagePageModel('pins', ChatLimits.pinsMaxPerRoom),
  replyInThread: actionModel('replyInThread', { rootId: id, text, clientMessageId, alsoToRoom: { type: 'boolean' } }, [
    'rootId',
    'text',
    'clientMessageId',
  ]),
  thread: actionModel(
    'thread',
    {
      rootId: id,
      before: { type: 'integer', minimum: 1 },
      limit: { type: 'integer', minimum: 1, maximum: ChatLimits.threadMaxLimit },
    },
    ['rootId'],
  ),
  markThreadRead: actionModel('markThreadRead', { rootId: id, seq }, ['rootId', 'seq']),
  threads: actionModel('threads', { roomId: id, before: { type: 'integer', minimum: 1 } }, ['roomId']),
  history: messagePageModel('history', ChatLimits.historyMaxLimit),
  catchUp: actionModel(
    'catchUp',
    {
      rooms: {
        type: 'array',
        maxItems: ChatLimits.catchUpMaxRooms,
        items: {
          type: 'object',
          properties: { roomId: id, lastSeq: seq },
          required: ['roomId', 'lastSeq'],
          additionalProperties: false,
        },
      },
    },
    ['rooms'],
  ),
  markRead: actionModel('markRead', { roomId: id, seq }, ['roomId', 'seq']),
  markUnread: actionModel('markUnread', { roomId: id, seq: { type: 'integer', minimum: 1 } }, ['roomId', 'seq']),
  setNotifications: actionModel(
    'setNotifications',
    { roomId: id, level: { type: 'string', enum: [...NotificationLevel] }, muted: { type: 'boolean' } },
    ['roomId', 'level', 'muted'],
  ),
  typing: actionModel('typing', { roomId: id }, ['roomId']),
  online: actionModel('online', { cursor }),
  search: actionModel(
    'search',
    {
      query: { type: 'string', minLength: 1, maxLength: ChatLimits.searchQueryMaxLength },
      roomId: id,
      limit: { type: 'integer', minimum: 1, maximum: ChatLimits.searchMaxLimit },
    },
    ['query'],
  ),
  ping: actionModel('ping', { since: cursor }),
};

const credentials = {
  username: { type: 'string', maxLength: 64 },
  password: { type: 'string', maxLength: ChatLimits.passwordMaxLength * 4 },
};

const credentialsModel: JsonSchema = {
  $schema: DRAFT_04,
  type: 'object',
  properties: credentials,
  required: ['username', 'password'],
  additionalProperties: false,
};

const emptyModel: JsonSchema = { $schema: DRAFT_04, type: 'object', additionalProperties: false };

/** Draft-4 models of the HTTP request bodies, keyed by path (api/http.ts). */
export const httpRequestModels: Record<HttpRoute, JsonSchema> = {
  [HttpRoute.register]: credentialsModel,
  [HttpRoute.logIn]: credentialsModel,
  [HttpRoute.guest]: emptyModel,
  [HttpRoute.refresh]: emptyModel,
  [HttpRoute.logOut]: emptyModel,
  [HttpRoute.password]: {
    $schema: DRAFT_04,
    type: 'object',
    properties: { currentPassword: credentials.password, newPassword: credentials.password },
    required: ['currentPassword', 'newPassword'],
    additionalProperties: false,
  },
  [HttpRoute.search]: {
    $schema: DRAFT_04,
    type: 'object',
    properties: {
      query: { type: 'string', minLength: 1, maxLength: ChatLimits.searchQueryMaxLength },
      roomId: id,
      limit: { type: 'integer', minimum: 1, maximum: ChatLimits.searchMaxLimit },
    },
    required: ['query'],
    additionalProperties: false,
  },
  [HttpRoute.files]: {
    $schema: DRAFT_04,
    type: 'object',
    properties: {
      roomId: id,
      type: { type: 'string', minLength: 1, maxLength: 128 },
      // The service says FILE_TOO_LARGE past the deployment's limit.
      size: { type: 'integer', minimum: 1 },
    },
    required: ['roomId', 'type', 'size'],
    additionalProperties: false,
  },
};
