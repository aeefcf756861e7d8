/**
 * @switchboard/chat: the chat's domain, ports and wire protocol. Store adapters
 * load their drivers, so they have their own entry points (store/sqlite/...);
 * api/index.ts is the browser-safe subset for the web client.
 */
export { OWASP_SCRYPT_COST, type PasswordCheck, PasswordHasher, type ScryptCost } from './accounts/password.ts';
export { resolveTokenSecret, SECRET_FILE, type SecretOptions } from './accounts/secret.ts';
export {
  type IssuedToken,
  type TokenClaims,
  type TokenOptions,
  TokenService,
  verifyToken,
} from './accounts/tokens.ts';
export * from './api/http.ts';
export { httpRequestModels, type JsonSchema, requestModels } from './api/models.ts';
export * from './api/protocol.ts';
export { avatarFor, identiconDataUrl } from './domain/avatar.ts';
export {
  type ChatLogger,
  ChatService,
  type ChatServiceDependencies,
  type ReadState,
  type SendMessageInput,
  type SendMessageResult,
  type Welcome,
} from './domain/chat-service.ts';
export { ChatError, type ChatErrorBody, ChatErrorCode, isChatError, toChatError } from './domain/errors.ts';
export { ChatLimits } from './domain/limits.ts';
export { DEFAULT_ROOM_NAME, normalizeRoomName, normalizeUsername } from './domain/names.ts';
export type * from './domain/types.ts';
export { directRoomId, roomSummary, userSummary } from './domain/views.ts';
export type { Broadcaster, PublishOptions } from './ports/broadcaster.ts';
export type * from './ports/chat-store.ts';
export { type Clock, systemClock } from './ports/clock.ts';
