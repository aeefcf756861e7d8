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
import type { AttachmentInput, FileLimits } from '../domain/attachments.ts';
import type { ChatErrorCode } from '../domain/errors.ts';
import type { NotificationSettings } from '../domain/notification-settings.ts';
import type {
  AuditEntry,
  CatchUpResult,
  Member,
  Message,
  RoomBan,
  RoomEvent,
  RoomHead,
  RoomId,
  RoomInvite,
  RoomListing,
  RoomSummary,
  RoomVisibility,
  SearchResult,
  StoredRole,
  ThreadPage,
  ThreadRead,
  UserSummary,
} from '../domain/types.ts';

/** Every client action, in the order docs/protocol.md lists them. */
export const ChatAction = [
  'hello',
  'listRooms',
  'createRoom',
  'joinRoom',
  'leaveRoom',
  'setTopic',
  'renameRoom',
  'setRoomVisibility',
  'inviteMember',
  'createInvite',
  'invites',
  'revokeInvite',
  'redeemInvite',
  'members',
  'setMemberRole',
  'removeMember',
  'ban',
  'unban',
  'bans',
  'setReadOnly',
  'auditLog',
  'deactivateUser',
  'openDirect',
  'openGroup',
  'findUsers',
  'sendMessage',
  'editMessage',
  'deleteMessage',
  'addReaction',
  'removeReaction',
  'pinMessage',
  'unpinMessage',
  'pins',
  'replyInThread',
  'thread',
  'markThreadRead',
  'threads',
  'history',
  'catchUp',
  'markRead',
  'markUnread',
  'setNotifications',
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

/** Requests for a listing that comes in pages. */
interface Paged {
  /** Where to continue: the `nextCursor` (or `welcome`'s `roomsCursor` / `onlineCursor`) of the previous page. */
  cursor?: string;
}

export type HelloRequest = RequestBase<'hello'>;
export type ListRoomsRequest = RequestBase<'listRooms'> & Paged;
export interface CreateRoomRequest extends RequestBase<'createRoom'> {
  name: string;
  /** @default 'public' */
  visibility?: RoomVisibility;
}
export interface JoinRoomRequest extends RequestBase<'joinRoom'> {
  roomId: RoomId;
}
export interface LeaveRoomRequest extends RequestBase<'leaveRoom'> {
  roomId: RoomId;
}
export interface SetTopicRequest extends RequestBase<'setTopic'> {
  roomId: RoomId;
  /** Up to 250 characters on one line; empty clears the topic. */
  topic: string;
}
export interface RenameRoomRequest extends RequestBase<'renameRoom'> {
  roomId: RoomId;
  /** The room name rules of `createRoom`; unique among rooms. */
  name: string;
}
export interface SetRoomVisibilityRequest extends RequestBase<'setRoomVisibility'> {
  roomId: RoomId;
  visibility: RoomVisibility;
}
export interface InviteMemberRequest extends RequestBase<'inviteMember'> {
  roomId: RoomId;
  username: string;
}
export interface CreateInviteRequest extends RequestBase<'createInvite'> {
  roomId: RoomId;
  /** 60000 (a minute) to 2592000000 (30 days). @default 604800000 (7 days) */
  expiresInMs?: number;
  /** 1-1000. @default 25 */
  maxUses?: number;
}
export interface InvitesRequest extends RequestBase<'invites'> {
  roomId: RoomId;
}
export interface RevokeInviteRequest extends RequestBase<'revokeInvite'> {
  inviteId: string;
}
export interface RedeemInviteRequest extends RequestBase<'redeemInvite'> {
  /** The token of an invite link (`/#invite=<token>`). */
  token: string;
}
export interface MembersRequest extends RequestBase<'members'>, Paged {
  roomId: RoomId;
}
/** The owner makes a member an admin or a plain member again. */
export interface SetMemberRoleRequest extends RequestBase<'setMemberRole'> {
  roomId: RoomId;
  userId: string;
  role: StoredRole;
}
/** The owner or an admin removes a member of a lower role. */
export interface RemoveMemberRequest extends RequestBase<'removeMember'> {
  roomId: RoomId;
  userId: string;
  /** Keep them out until the owner or an admin adds them back. @default false */
  ban?: boolean;
}
/** The owner or an admin bans a user (by id or username), member or not (a member is removed). */
export type BanRequest = RequestBase<'ban'> & { roomId: RoomId } & ({ userId: string } | { username: string });
/** The owner or an admin lifts a user's ban (they are not added back). */
export interface UnbanRequest extends RequestBase<'unban'> {
  roomId: RoomId;
  userId: string;
}
/** The room's bans (its owner and admins). */
export interface BansRequest extends RequestBase<'bans'>, Paged {
  roomId: RoomId;
}
/** The owner or an admin makes the room read-only (only they may post) or open again. */
export interface SetReadOnlyRequest extends RequestBase<'setReadOnly'> {
  roomId: RoomId;
  readOnly: boolean;
}
/** A room's audit log (its owner and admins), or every room's (`roomId` absent: the server's admins). */
export interface AuditLogRequest extends RequestBase<'auditLog'>, Paged {
  roomId?: RoomId;
}
/** A server admin deactivates an account: it cannot sign in, its sessions end, its connections close. */
export interface DeactivateUserRequest extends RequestBase<'deactivateUser'> {
  userId: string;
}
/** Exactly one of `userId` and `username`. */
export type OpenDirectRequest = RequestBase<'openDirect'> & ({ userId: string } | { username: string });
export interface OpenGroupRequest extends RequestBase<'openGroup'> {
  /** The other people (2 to 7 distinct user ids, the caller not among them). */
  userIds: string[];
}
export interface FindUsersRequest extends RequestBase<'findUsers'>, Paged {
  /** The start of a username (1-25 characters, case-insensitive, a leading `@` ignored). */
  query: string;
}
export interface SendMessageRequest extends RequestBase<'sendMessage'> {
  roomId: RoomId;
  text: string;
  /** 1-64 characters, unique per sender and room; a retry with the same id is not stored twice. */
  clientMessageId: string;
  /** Files uploaded with `POST /api/files` (docs/protocol.md, "Files"); with some, `text` may be empty. */
  attachments?: AttachmentInput[];
}
export interface EditMessageRequest extends RequestBase<'editMessage'> {
  messageId: string;
  text: string;
}
export interface DeleteMessageRequest extends RequestBase<'deleteMessage'> {
  messageId: string;
}
/** Adds (`addReaction`) or removes (`removeReaction`) the caller's reaction; a repeat changes nothing. */
export interface ReactionRequest<A extends 'addReaction' | 'removeReaction'> extends RequestBase<A> {
  messageId: string;
  /** One emoji (docs/protocol.md, "Reactions"). */
  emoji: string;
}
export type AddReactionRequest = ReactionRequest<'addReaction'>;
export type RemoveReactionRequest = ReactionRequest<'removeReaction'>;
/** Pins (`pinMessage`) or unpins (`unpinMessage`) a message in its room; a repeat changes nothing. */
export interface PinRequest<A extends 'pinMessage' | 'unpinMessage'> extends RequestBase<A> {
  messageId: string;
}
export type PinMessageRequest = PinRequest<'pinMessage'>;
export type UnpinMessageRequest = PinRequest<'unpinMessage'>;
export interface PinsRequest extends RequestBase<'pins'> {
  roomId: RoomId;
  /** Only pinned messages with a smaller `seq`; absent for the newest. */
  before?: number;
  /** 1-25. @default 25 */
  limit?: number;
}
export interface ReplyInThreadRequest extends RequestBase<'replyInThread'> {
  /** The thread's root: a message that is not itself a reply. */
  rootId: string;
  text: string;
  /** As `sendMessage`'s: a retry with the same id is not stored twice. */
  clientMessageId: string;
  /** Also show the reply in the room's timeline. @default false */
  alsoToRoom?: boolean;
}
export interface ThreadRequest extends RequestBase<'thread'> {
  rootId: string;
  /** Only replies with a smaller `seq`; absent for the newest. */
  before?: number;
  /** 1-100. @default 50 */
  limit?: number;
}
export interface MarkThreadReadRequest extends RequestBase<'markThreadRead'> {
  rootId: string;
  /** The `seq` of the newest reply read. */
  seq: number;
}
export interface ThreadsRequest extends RequestBase<'threads'> {
  roomId: RoomId;
  /** Only threads whose root has a smaller `seq`; absent for the newest. */
  before?: number;
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
export interface MarkUnreadRequest extends RequestBase<'markUnread'> {
  roomId: RoomId;
  /** The first message to count as unread again. */
  seq: number;
}
export interface SetNotificationsRequest extends RequestBase<'setNotifications'>, NotificationSettings {
  roomId: RoomId;
}
export interface TypingRequest extends RequestBase<'typing'> {
  roomId: RoomId;
}
export type OnlineRequest = RequestBase<'online'> & Paged;
export interface SearchRequest extends RequestBase<'search'> {
  query: string;
  roomId?: RoomId;
  /** 1-50. @default 20 */
  limit?: number;
}
export interface PingRequest extends RequestBase<'ping'> {
  /** The welcome's `pingSince`, then the last `pong`'s `since`; without it the `pong` names no room. */
  since?: string;
}

export type ClientRequest =
  | HelloRequest
  | ListRoomsRequest
  | CreateRoomRequest
  | JoinRoomRequest
  | LeaveRoomRequest
  | SetTopicRequest
  | RenameRoomRequest
  | SetRoomVisibilityRequest
  | InviteMemberRequest
  | CreateInviteRequest
  | InvitesRequest
  | RevokeInviteRequest
  | RedeemInviteRequest
  | MembersRequest
  | SetMemberRoleRequest
  | RemoveMemberRequest
  | BanRequest
  | UnbanRequest
  | BansRequest
  | SetReadOnlyRequest
  | AuditLogRequest
  | DeactivateUserRequest
  | OpenDirectRequest
  | OpenGroupRequest
  | FindUsersRequest
  | SendMessageRequest
  | EditMessageRequest
  | DeleteMessageRequest
  | AddReactionRequest
  | RemoveReactionRequest
  | PinMessageRequest
  | UnpinMessageRequest
  | PinsRequest
  | ReplyInThreadRequest
  | ThreadRequest
  | MarkThreadReadRequest
  | ThreadsRequest
  | HistoryRequest
  | CatchUpRequest
  | MarkReadRequest
  | MarkUnreadRequest
  | SetNotificationsRequest
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

/** Listings that come in pages carry the cursor of the next page; absent on the last one. */
interface NextPage {
  /** More follow: send the same request with `cursor` = this. */
  nextCursor?: string;
}

/** Limits a client needs to behave well (docs/protocol.md, "Limits"). */
export interface ClientLimits {
  messageMaxLength: number;
  typingIntervalMs: number;
  typingTtlMs: number;
  historyMaxLimit: number;
  /** How often to `ping` (docs/protocol.md, "ping"). */
  heartbeatIntervalMs: number;
  /**
   * What files this server takes (docs/protocol.md, "Files"); `null` when it
   * takes none (a message with attachments is refused with `FILES_NOT_ENABLED`).
   */
  files: FileLimits | null;
}

export interface WelcomeMessage extends Answer {
  type: 'welcome';
  user: UserSummary;
  /** The user's rooms and direct conversations with unread counts: the first page. */
  rooms: RoomSummary[];
  /** More of the user's rooms follow: `listRooms` with `cursor` = this (its answers carry them in `joined`). */
  roomsCursor?: string;
  /** Who is online: the first page. */
  online: UserSummary[];
  /** More online users follow: `online` with `cursor` = this. */
  onlineCursor?: string;
  /** The `since` of the first `ping`. */
  pingSince: string;
  limits: ClientLimits;
  /** You are one of the server's admins: `deactivateUser` and every room's `auditLog` are yours. */
  serverAdmin: boolean;
}
export interface RoomsMessage extends Answer, NextPage {
  type: 'rooms';
  /** The user's rooms and direct conversations (this page's part). */
  joined: RoomSummary[];
  /** Public rooms (this page's part), by name. */
  directory: RoomListing[];
}
/**
 * Answer to createRoom, joinRoom, openDirect, openGroup, redeemInvite; also pushed to the user's other
 * connections, to the other people of a new direct conversation, and to a user someone invited (`invitedBy`).
 */
export interface RoomJoinedMessage extends Answer {
  type: 'roomJoined';
  room: RoomSummary;
  /** Who added the user to the room (`inviteMember`); absent when they joined themselves. */
  invitedBy?: UserSummary;
}
/** Answer to leaveRoom; also pushed to the user's other connections. */
export interface RoomLeftMessage extends Answer {
  type: 'roomLeft';
  roomId: RoomId;
}
/** Answer to a `setTopic` that changed nothing (the topic already was that). A change is answered with `topicChanged`. */
export interface TopicUnchangedMessage extends Answer {
  type: 'topicUnchanged';
  roomId: RoomId;
  topic: string | null;
}
/** Answer to a `renameRoom` that changed nothing (the room already has that name). A change is answered with `roomRenamed`. */
export interface RoomNameUnchangedMessage extends Answer {
  type: 'roomNameUnchanged';
  roomId: RoomId;
  name: string;
}
/** Answer to a `setRoomVisibility` that changed nothing. A change is answered with `visibilityChanged`. */
export interface VisibilityUnchangedMessage extends Answer {
  type: 'visibilityUnchanged';
  roomId: RoomId;
  visibility: RoomVisibility;
}
/** Answer to `inviteMember`: the user is a member now (the room gets `memberJoined`). */
export interface MemberInvitedMessage extends Answer {
  type: 'memberInvited';
  roomId: RoomId;
  user: UserSummary;
}
/** Answer to `createInvite`. The token is never shown again: the link is `<origin>/#invite=<token>`. */
export interface InviteCreatedMessage extends Answer {
  type: 'inviteCreated';
  invite: RoomInvite;
  token: string;
}
/** Answer to `invites`: the room's newest invite links, the newest first. */
export interface InvitesMessage extends Answer {
  type: 'invites';
  roomId: RoomId;
  invites: RoomInvite[];
}
/** Answer to `revokeInvite`. */
export interface InviteRevokedMessage extends Answer {
  type: 'inviteRevoked';
  invite: RoomInvite;
}
/** Answer to a `setMemberRole` that changed nothing (the member already had that role). */
export interface RoleUnchangedMessage extends Answer {
  type: 'roleUnchanged';
  roomId: RoomId;
  userId: string;
  role: StoredRole;
}
/** Answer to a `setReadOnly` that changed nothing (the room already was so). */
export interface ReadOnlyUnchangedMessage extends Answer {
  type: 'readOnlyUnchanged';
  roomId: RoomId;
  readOnly: boolean;
}
/**
 * Pushed to every connection of a member the owner or an admin removed: the room is gone
 * for them, as after `leaveRoom` (the room's members see `memberLeft`).
 */
export interface RemovedFromRoomMessage {
  type: 'removedFromRoom';
  roomId: RoomId;
  /** Who removed them. */
  by: UserSummary;
  /** They were banned too: they cannot join again until the owner or an admin adds them back. */
  banned?: true;
}
/** Answer to `ban`: they are banned; `removed` when they were a member (the room got `memberLeft`). */
export interface BannedMessage extends Answer {
  type: 'banned';
  roomId: RoomId;
  user: UserSummary;
  removed: boolean;
}
/** Answer to `unban`; `lifted` is `false` when they were not banned. */
export interface UnbannedMessage extends Answer {
  type: 'unbanned';
  roomId: RoomId;
  user: UserSummary;
  lifted: boolean;
}
/** Answer to `bans`: the room's bans, by user id. */
export interface BansMessage extends Answer, NextPage {
  type: 'bans';
  roomId: RoomId;
  bans: RoomBan[];
}
/** Answer to `auditLog`: moderation actions, newest first. */
export interface AuditLogMessage extends Answer, NextPage {
  type: 'auditLog';
  /** The room asked about; `null` for every room's log. */
  roomId: RoomId | null;
  entries: AuditEntry[];
}
/** Answer to `deactivateUser`, also when the account already was deactivated. */
export interface UserDeactivatedMessage extends Answer {
  type: 'userDeactivated';
  userId: string;
}
export interface MembersMessage extends Answer, NextPage {
  type: 'members';
  roomId: RoomId;
  /** By username. */
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
/**
 * Answer to an `addReaction` or `removeReaction` that changed nothing (the reaction
 * was there already, or was not): nothing was stored or broadcast. A change is
 * answered with its `messageReacted` event instead.
 */
export interface ReactionUnchangedMessage extends Answer {
  type: 'reactionUnchanged';
  roomId: RoomId;
  messageId: string;
  /** As stored (`❤` is stored as `❤️`). */
  emoji: string;
}
/** Answer to a `pinMessage` or `unpinMessage` that changed nothing: the message already was (or was not) pinned. */
export interface PinUnchangedMessage extends Answer {
  type: 'pinUnchanged';
  roomId: RoomId;
  messageId: string;
  pinned: boolean;
}
/** The room's pinned messages (answer to `pins`): a page, oldest first, like `history`. */
export interface PinsMessage extends Answer {
  type: 'pins';
  roomId: RoomId;
  messages: Message[];
  /** Older pinned messages exist before `messages[0].seq`. */
  hasMore: boolean;
}
/** Answer to `replyInThread`, sent only once the reply is durably stored. */
export interface ReplyAckMessage extends Answer {
  type: 'replyAck';
  clientMessageId: string;
  /** The reply. */
  message: Message;
  /** The root with its `thread` summary. */
  root: Message;
  /** `true` when the clientMessageId had been stored before (a retry): nothing was stored or broadcast. */
  duplicate: boolean;
}
/** Answer to `thread`: the root and a page of its replies, oldest first, like `history`. */
export interface ThreadMessage extends Answer, ThreadPage {
  type: 'thread';
}
/** Answer to `markThreadRead`; also pushed to the user's other connections when the position moved. */
export interface ThreadReadMessage extends Answer {
  type: 'threadRead';
  roomId: RoomId;
  rootId: string;
  lastReadSeq: number;
}
/** Answer to `threads`: the threads of a room the caller follows, the newest root first. */
export interface ThreadsMessage extends Answer {
  type: 'threads';
  roomId: RoomId;
  threads: ThreadRead[];
  /** More follow: ask with `before` = the last thread's `root.seq`. */
  hasMore: boolean;
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
/** Answer to markRead and markUnread; also pushed to the user's other connections so every device agrees. */
export interface ReadMessage extends Answer {
  type: 'read';
  roomId: RoomId;
  lastReadSeq: number;
  unread: number;
  /** Of the unread messages, those that mention the user. */
  mentions: number;
}
/** Answer to setNotifications; also pushed to the user's other connections so every device agrees. */
export interface NotificationsMessage extends Answer, NotificationSettings {
  type: 'notifications';
  roomId: RoomId;
}
export interface OnlineMessage extends Answer, NextPage {
  type: 'online';
  /** By username. */
  users: UserSummary[];
}
/** Answer to findUsers: a page of users whose username starts with `query`. */
export interface UsersMessage extends Answer, NextPage {
  type: 'users';
  /** As asked. */
  query: string;
  /** By username. */
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
  /**
   * The user's rooms whose head moved since `since`, by room id: catch up
   * (`catchUp`) each one whose `seq` is beyond the last one applied.
   */
  heads: RoomHead[];
  /** Send it as `since` with the next `ping`. */
  since: string;
  /** Heads were left out to fit the frame: ping again now with `since`. */
  hasMore: boolean;
}
/**
 * The node lost broadcasts it could not name (its link to the other nodes came
 * back after a drop): `ping` with `since` now, and catch up the rooms it names.
 */
export interface ResyncMessage {
  type: 'resync';
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

/** Room events are pushed as they are (edit, delete and reaction answers add `requestId`). */
export type RoomEventMessage = RoomEvent & Answer;

export type ServerMessage =
  | WelcomeMessage
  | RoomsMessage
  | RoomJoinedMessage
  | RoomLeftMessage
  | TopicUnchangedMessage
  | RoomNameUnchangedMessage
  | VisibilityUnchangedMessage
  | MemberInvitedMessage
  | InviteCreatedMessage
  | InvitesMessage
  | InviteRevokedMessage
  | RoleUnchangedMessage
  | ReadOnlyUnchangedMessage
  | RemovedFromRoomMessage
  | AuditLogMessage
  | UserDeactivatedMessage
  | MembersMessage
  | BannedMessage
  | UnbannedMessage
  | BansMessage
  | AckMessage
  | ReactionUnchangedMessage
  | PinUnchangedMessage
  | PinsMessage
  | ReplyAckMessage
  | ThreadMessage
  | ThreadReadMessage
  | ThreadsMessage
  | HistoryMessage
  | CatchUpMessage
  | ReadMessage
  | NotificationsMessage
  | OnlineMessage
  | UsersMessage
  | SearchResultsMessage
  | PongMessage
  | ResyncMessage
  | PresenceMessage
  | TypingMessage
  | ErrorMessage
  | RoomEventMessage;

export type ServerMessageType = ServerMessage['type'];
