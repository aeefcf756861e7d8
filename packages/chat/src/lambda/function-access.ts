/**
 * What each chat function may reach, and nothing more: the DynamoDB actions its
 * route performs on the table, whether it reads the table's indexes, posts to
 * `@connections`, or reads the token keys. The CDK app grants exactly this per
 * function (packages/infra), the entry modules import exactly the matching parts
 * (chat-runtime.ts `FunctionParts`), and the tests hold both to it: the bundle
 * test checks the imports, the access test records every SDK call each function
 * makes against DynamoDB Local, a local S3 and `@connections`.
 *
 * DynamoDB authorizes a `TransactWriteItems` per item (PutItem, UpdateItem,
 * DeleteItem, ConditionCheckItem), so those are listed, not the transaction.
 */
import type { ChatRouteKey } from '../api/definition.ts';

export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

export interface FunctionAccess {
  /** Builds the DynamoDB store (`TABLE_NAME`, the DynamoDB client). */
  store: boolean;
  /** Actions on the table (without the `dynamodb:` prefix). */
  table: readonly TableAction[];
  /** Queries the table's indexes. */
  indexes: boolean;
  /** Posts to WebSocket connections (`execute-api:ManageConnections` on `POST @connections`). */
  postToConnections: boolean;
  /**
   * Closes WebSocket connections (`execute-api:ManageConnections` on `DELETE @connections`):
   * ending someone's sessions closes their open connections too.
   */
  closeConnections: boolean;
  /** Reads the token secret's versions (`secretsmanager:GetSecretValue`). */
  tokenKeys: boolean;
  /**
   * Reaches the OpenSearch Serverless collection, in a deployment that searches
   * with one (`OPENSEARCH_ENDPOINT`; `aoss:APIAccessAll` and the collection's
   * data access policy): the search indexer writes documents, the others read.
   */
  searchEngine: 'read' | 'write' | false;
  /**
   * S3 actions on the file bucket's two prefixes (use-cases/files.ts): `uploads/`
   * (waiting for their message) and `files/` (attached). A presigned URL acts with
   * its signer's rights, so signing an upload needs `PutObject` on `uploads/*`.
   * @default none
   */
  files?: Partial<Record<'uploads' | 'files', readonly FileAction[]>>;
}

export type FileAction = 'GetObject' | 'PutObject' | 'DeleteObject';

/** The chat's functions: the authorizer, the HTTP API's, one per WebSocket route, and the search indexer. */
export type ChatFunctionName = 'authorizer' | 'httpApi' | 'searchIndexer' | ChatRouteKey;

/**
 * What forgetting a gone connection takes (a post answered 410: the broadcaster
 * calls `presence.disconnect`, exactly what `$disconnect` does), so every
 * function that posts may do it.
 */
export const forgetConnection: TableAction[] = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'DeleteItem',
  'BatchWriteItem',
  'UpdateItem',
];

/** A function that posts: its own table actions, and what a 410 makes it do. */
function posting(table: TableAction[], indexes = false): FunctionAccess {
  return {
    store: true,
    table: [...new Set([...table, ...forgetConnection])],
    indexes,
    postToConnections: true,
    closeConnections: false,
    tokenKeys: false,
    searchEngine: false,
  };
}

/** A function that only reads the table and answers its caller. */
function reading(table: TableAction[], indexes = false): FunctionAccess {
  return {
    store: table.length > 0,
    table,
    indexes,
    postToConnections: false,
    closeConnections: false,
    tokenKeys: false,
    searchEngine: false,
  };
}

const writesMessages: TableAction[] = ['GetItem', 'Query', 'PutItem', 'UpdateItem'];
const changesMembership: TableAction[] = ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchWriteItem'];

export const functionAccess: Record<ChatFunctionName, FunctionAccess> = {
  // Checks only what the token proves (`$connect` checks that its session is live): no table.
  authorizer: { ...reading([]), tokenKeys: true },
  // Accounts and sessions (guests and new users join `general`), rate limits, search.
  httpApi: {
    ...posting(['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'], true),
    tokenKeys: true,
    searchEngine: 'read',
    // Presigns uploads and download links.
    files: { uploads: ['PutObject'], files: ['GetObject'] },
    // A password change closes the account's connections.
    closeConnections: true,
  },
  $connect: posting(['GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchWriteItem']),
  $disconnect: posting([]),
  $default: reading([]),
  // Each read takes a token of the caller's `read` rate limit (UpdateItem) first.
  hello: reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem'], true),
  listRooms: reading(['BatchGetItem', 'Query', 'UpdateItem'], true),
  createRoom: posting(changesMembership),
  joinRoom: posting(changesMembership),
  leaveRoom: posting([...changesMembership, 'DeleteItem']),
  setTopic: posting(writesMessages),
  // Like setTopic, and the name's guard items (the old one deleted, the new one put).
  renameRoom: posting([...writesMessages, 'DeleteItem']),
  setRoomVisibility: posting(writesMessages),
  // And a moderator's lifts a ban.
  inviteMember: posting([...changesMembership, 'DeleteItem']),
  // Its rate-limit bucket, the room and membership, then the invite item.
  createInvite: reading(['GetItem', 'PutItem', 'UpdateItem']),
  // The room's invites: gsi1, then the items.
  invites: reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem'], true),
  revokeInvite: reading(['GetItem', 'UpdateItem']),
  redeemInvite: posting(changesMembership),
  // The page's membership items hold the roles (the index does not).
  members: reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem'], true),
  setMemberRole: posting(writesMessages),
  removeMember: posting([...changesMembership, 'DeleteItem']),
  // A member is removed as by removeMember; anyone else gets a ban item and an audit entry.
  ban: posting([...changesMembership, 'DeleteItem']),
  // Its rate-limit bucket, the room and membership, the user, then the ban item (deleted) and an audit entry.
  unban: reading(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']),
  // The room's ban items, then their users.
  bans: reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem']),
  setReadOnly: posting(writesMessages),
  // The caller (server admin?), the room and membership, then a page of the log.
  auditLog: reading(['GetItem', 'Query', 'UpdateItem']),
  // The deactivation item, the user's sessions (deleted), their connections (closed), the audit entry.
  deactivateUser: {
    ...posting(['GetItem', 'Query', 'PutItem', 'DeleteItem', 'BatchWriteItem']),
    closeConnections: true,
  },
  openDirect: posting(['GetItem', 'Query', 'PutItem', 'BatchWriteItem']),
  // Like openDirect, and the group's members (an index) to name it.
  openGroup: posting(['GetItem', 'Query', 'PutItem', 'BatchWriteItem'], true),
  // Its rate-limit bucket, then the username index.
  findUsers: reading(['UpdateItem', 'Query'], true),
  // Reads an upload's first bytes and moves it (a copy, then a delete) to `files/`; a retry finds it there.
  sendMessage: {
    ...posting(writesMessages),
    files: { uploads: ['GetObject', 'DeleteObject'], files: ['GetObject', 'PutObject'] },
  },
  editMessage: posting(writesMessages),
  // Deleting a message deletes its files.
  deleteMessage: { ...posting(writesMessages), files: { files: ['DeleteObject'] } },
  addReaction: posting(writesMessages),
  removeReaction: posting(writesMessages),
  pinMessage: posting(writesMessages),
  unpinMessage: posting(writesMessages),
  pins: reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem']),
  // A send's writes, then the replier's thread read position (a conditional update, read back).
  replyInThread: posting(writesMessages),
  thread: reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem']),
  markThreadRead: posting(['GetItem', 'Query', 'UpdateItem']),
  threads: reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem']),
  history: reading(['GetItem', 'Query', 'UpdateItem']),
  catchUp: reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem']),
  markRead: posting(['GetItem', 'Query', 'UpdateItem']),
  markUnread: posting(['GetItem', 'Query', 'UpdateItem']),
  // Its rate-limit bucket and membership, then the settings item (and the user's connections to tell).
  setNotifications: posting(['GetItem', 'Query', 'PutItem', 'UpdateItem']),
  typing: posting(writesMessages),
  online: reading(['Query', 'UpdateItem'], true),
  // Its rate-limit bucket, membership, the rooms' search index, then the matching messages and their rooms
  // (a group conversation's name: its members, an index).
  search: { ...reading(['GetItem', 'BatchGetItem', 'Query', 'UpdateItem'], true), searchEngine: 'read' },
  // The heads of the caller's rooms (user partition, then the rooms) and the `ping` rate limit.
  ping: reading(['Query', 'BatchGetItem', 'UpdateItem']),
  // Writes index items from the table's stream; reading the stream is the event source mapping's grant.
  // With OpenSearch, it writes the collection instead of the table (the CDK app then grants no table action).
  searchIndexer: { ...reading(['BatchWriteItem']), searchEngine: 'write' },
};
