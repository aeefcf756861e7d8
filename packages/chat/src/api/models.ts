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
import { ChatLimits } from '../domain/limits.ts';
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

/** One draft-4 model per action. */
export const requestModels: Record<ChatAction, JsonSchema> = {
  hello: actionModel('hello'),
  listRooms: actionModel('listRooms'),
  createRoom: actionModel('createRoom', { name }, ['name']),
  joinRoom: actionModel('joinRoom', { roomId: id }, ['roomId']),
  leaveRoom: actionModel('leaveRoom', { roomId: id }, ['roomId']),
  members: actionModel('members', { roomId: id }, ['roomId']),
  openDirect: actionModel('openDirect', { userId: id, username: name }, [], {
    oneOf: [{ required: ['userId'] }, { required: ['username'] }],
  }),
  sendMessage: actionModel(
    'sendMessage',
    {
      roomId: id,
      text,
      clientMessageId: { type: 'string', minLength: 1, maxLength: ChatLimits.clientMessageIdMaxLength },
    },
    ['roomId', 'text', 'clientMessageId'],
  ),
  editMessage: actionModel('editMessage', { messageId: id, text }, ['messageId', 'text']),
  deleteMessage: actionModel('deleteMessage', { messageId: id }, ['messageId']),
  history: actionModel(
    'history',
    {
      roomId: id,
      before: { type: 'integer', minimum: 1 },
      limit: { type: 'integer', minimum: 1, maximum: ChatLimits.historyMaxLimit },
    },
    ['roomId'],
  ),
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
  typing: actionModel('typing', { roomId: id }, ['roomId']),
  online: actionModel('online'),
  search: actionModel(
    'search',
    {
      query: { type: 'string', minLength: 1, maxLength: ChatLimits.searchQueryMaxLength },
      roomId: id,
      limit: { type: 'integer', minimum: 1, maximum: ChatLimits.searchMaxLimit },
    },
    ['query'],
  ),
  ping: actionModel('ping'),
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

/** Draft-4 models of the HTTP request bodies, keyed by path (api/http.ts). */
export const httpRequestModels: Record<HttpRoute, JsonSchema> = {
  [HttpRoute.register]: credentialsModel,
  [HttpRoute.logIn]: credentialsModel,
  [HttpRoute.guest]: { $schema: DRAFT_04, type: 'object', additionalProperties: false },
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
};
