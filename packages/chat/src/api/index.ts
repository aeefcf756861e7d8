/**
 * The browser-safe part of the chat: protocol types, request models, error
 * codes, limits and avatars. Nothing here imports Node modules, so the web
 * client shares these with the server.
 */
export { type Attachment, type AttachmentInput, type FileLimits, normalizeType } from '../domain/attachments.ts';
export { avatarFor, identiconDataUrl } from '../domain/avatar.ts';
export { ChatError, type ChatErrorBody, ChatErrorCode } from '../domain/errors.ts';
export { ChatLimits } from '../domain/limits.ts';
export { ROOM_MENTION } from '../domain/mentions.ts';
export {
  defaultNotificationSettings,
  NotificationLevel,
  type NotificationSettings,
} from '../domain/notification-settings.ts';
export { CURATED_REACTIONS } from '../domain/reactions.ts';
export { outranks } from '../domain/room-permissions.ts';
export type * from '../domain/types.ts';
export * from './http.ts';
export { httpRequestModels, type JsonSchema, requestModels } from './models.ts';
export * from './protocol.ts';
