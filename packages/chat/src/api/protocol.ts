/**
 * The chat's wire protocol over the gateway's WebSocket API, as TypeScript types:
 * the one source of truth for the handlers, the AWS deployment and the web client.
 * docs/protocol.md describes every frame with an example; api/models.ts holds the
 * JSON Schemas the gateway validates requests with.
 *
 * Client -> server: JSON objects routed by `action` (route selection expression
 * `$request.body.action`). Every request may carry a `requestId` (1-64
 * characters) that the answer echoes.
 * Server -> client: JSON objects discriminated by `type`.
 */
import type { ChatErrorCode } from '../domain/errors.ts';
import type {
  CatchUpResult,
  Member,
  Message,
  RoomEvent,
  RoomId,
  RoomListing,
  RoomSummary,
  SearchResult,
  UserSummary,
} from '../domain/types.ts';

/** Every client action, in the order docs/protocol.md lists them. */
export const ChatAction = [
  'hello',
  'listRooms',
  'createRoom',
  'joinRoom',
  'leaveRoom',
  'members',
  'openDirect',
  'sendMessage',
  'editMessage',
  'deleteMessage',
  'history',
  'catchUp',
  'markRead',
  'typing',
  'online',
  'search',
  'ping',
] as const;

export type ChatAction = (typeof ChatAction)[number];

interface RequestBase<A extends ChatAction> {
  action: A;
  /** Echoed in the answer (`ack`, `error`, ...) so a client can match it to the request. */
  requestId?: string;
}

export type HelloRequest = RequestBase<'hello'>;
export type ListRoomsRequest = RequestBase<'listRooms'>;
export interface CreateRoomRequest extends RequestBase<'createRoom'> {
  name: string;
}
export interface JoinRoomRequest extends RequestBase<'joinRoom'> {
  roomId: RoomId;
}
export interface LeaveRoomRequest extends RequestBase<'leaveRoom'> {
  roomId: RoomId;
}
export interface MembersRequest extends RequestBase<'members'> {
  roomId: RoomId;
}
/** Exactly one of `userId` and `username`. */
export type OpenDirectRequest = RequestBase<'openDirect'> & ({ userId: string } | { username: string });
export interface SendMessageRequest extends RequestBase<'sendMessage'> {
  roomId: RoomId;
  text: string;
  /** 1-64 characters, unique per sender and room; a retry with the same id is not stored twice. */
  clientMessageId: string;
}
export interface EditMessageRequest extends RequestBase<'editMessage'> {
  messageId: string;
  text: string;
}
export interface DeleteMessageRequest extends RequestBase<'deleteMessage'> {
  messageId: string;
}
export interface HistoryRequest extends RequestBase<'history'> {
  roomId: RoomId;
  /** Only messages with a smaller `seq`; absent for the newest page. */
  before?: number;
  /** 1-100. @default 50 */
  limit?: number;
}
export interface CatchUpRequest extends RequestBase<'catchUp'> {
  /** The last `seq` the client holds per room (0 for none). */
  rooms: Array<{ roomId: RoomId; lastSeq: number }>;
}
export interface MarkReadRequest extends RequestBase<'markRead'> {
  roomId: RoomId;
  seq: number;
}
export interface TypingRequest extends RequestBase<'typing'> {
  roomId: RoomId;
}
export type OnlineRequest = RequestBase<'online'>;
export interface SearchRequest extends RequestBase<'search'> {
  query: string;
  roomId?: RoomId;
  /** 1-50. @default 20 */
  limit?: number;
}
export type PingRequest = RequestBase<'ping'>;

export type ClientRequest =
  | HelloRequest
  | ListRoomsRequest
  | CreateRoomRequest
  | JoinRoomRequest
  | LeaveRoomRequest
  | MembersRequest
  | OpenDirectRequest
  | SendMessageRequest
  | EditMessageRequest
  | DeleteMessageRequest
  | HistoryRequest
  | CatchUpRequest
  | MarkReadRequest
  | TypingRequest
  | OnlineRequest
  | SearchRequest
  | PingRequest;

/** The request type of one action. */
export type RequestOf<A extends ChatAction> = Extract<ClientRequest, { action: A }>;

// Server -> client

/** Present on answers to a request that carried a `requestId`. */
interface Answer {
  requestId?: string;
}

/** Limits a client needs to behave well (docs/protocol.md, "Limits"). */
export interface ClientLimits {
  messageMaxLength: number;
  typingIntervalMs: number;
  typingTtlMs: number;
  historyMaxLimit: number;
}

export interface WelcomeMessage extends Answer {
  type: 'welcome';
  user: UserSummary;
  /** The user's rooms and direct conversations with unread counts. */
  rooms: RoomSummary[];
  online: UserSummary[];
  limits: ClientLimits;
}
export interface RoomsMessage extends Answer {
  type: 'rooms';
  /** The user's rooms and direct conversations. */
  joined: RoomSummary[];
  /** Every public room. */
  directory: RoomListing[];
}
/** Answer to createRoom, joinRoom, openDirect; also pushed to the user's other connections and to a DM's peer. */
export interface RoomJoinedMessage extends Answer {
  type: 'roomJoined';
  room: RoomSummary;
}
/** Answer to leaveRoom; also pushed to the user's other connections. */
export interface RoomLeftMessage extends Answer {
  type: 'roomLeft';
  roomId: RoomId;
}
export interface MembersMessage extends Answer {
  type: 'members';
  roomId: RoomId;
  members: Member[];
}
/** Answer to sendMessage, sent only once the message is durably stored. */
export interface AckMessage extends Answer {
  type: 'ack';
  clientMessageId: string;
  message: Message;
  /** `true` when the clientMessageId had been stored before (a retry). */
  duplicate: boolean;
}
export interface HistoryMessage extends Answer {
  type: 'history';
  roomId: RoomId;
  /** Oldest first. */
  messages: Message[];
  hasMore: boolean;
}
export interface CatchUpMessage extends Answer, CatchUpResult {
  type: 'catchUp';
}
/** Answer to markRead; also pushed to the user's other connections so every device agrees. */
export interface ReadMessage extends Answer {
  type: 'read';
  roomId: RoomId;
  lastReadSeq: number;
  unread: number;
}
export interface OnlineMessage extends Answer {
  type: 'online';
  users: UserSummary[];
}
export interface SearchResultsMessage extends Answer {
  type: 'searchResults';
  query: string;
  results: SearchResult[];
}
export interface PongMessage extends Answer {
  type: 'pong';
  /** Server time, ms since the epoch. */
  now: number;
}
/** A user came online (first connection) or went offline (last connection closed), per shared room. */
export interface PresenceMessage {
  type: 'presence';
  roomId: RoomId;
  user: UserSummary;
  online: boolean;
}
/** Someone is typing; show it for `ttlMs` unless another `typing` frame refreshes it. Never stored. */
export interface TypingMessage {
  type: 'typing';
  roomId: RoomId;
  user: UserSummary;
  ttlMs: number;
}
export interface ErrorMessage extends Answer {
  type: 'error';
  code: ChatErrorCode;
  message: string;
  /** The action of the request that failed. */
  action?: ChatAction;
  /** For `RATE_LIMITED`. */
  retryAfterMs?: number;
}

/** Room events are pushed as they are (edit and delete answers add `requestId`). */
export type RoomEventMessage = RoomEvent & Answer;

export type ServerMessage =
  | WelcomeMessage
  | RoomsMessage
  | RoomJoinedMessage
  | RoomLeftMessage
  | MembersMessage
  | AckMessage
  | HistoryMessage
  | CatchUpMessage
  | ReadMessage
  | OnlineMessage
  | SearchResultsMessage
  | PongMessage
  | PresenceMessage
  | TypingMessage
  | ErrorMessage
  | RoomEventMessage;

export type ServerMessageType = ServerMessage['type'];
