/**
 * The server's store, chosen by its options: SQLite in the data directory (the
 * default), PostgreSQL (`database`) or DynamoDB (`dynamodb`). Each is opened and
 * checked before the server listens, so a wrong setting is one line naming it
 * rather than a failing request later.
 *
 * Rate-limit state lives with the store when every node reads the same one
 * (PostgreSQL, DynamoDB: nodes of a cluster count together), in process memory
 * with SQLite.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatLogger } from './domain/chat-service.ts';
import type { ChatStore } from './ports/chat-store.ts';
import type { RateLimitStore } from './ports/rate-limit-store.ts';
import { redactUrl } from './redact-url.ts';
import { ChatServerError, ChatServerErrorCode } from './server-error.ts';
import { DynamoDbChatStore } from './store/dynamodb/dynamodb-chat-store.ts';
import { MemoryRateLimitStore } from './store/memory/memory-rate-limit-store.ts';
import { PostgresChatStore } from './store/postgres/postgres-chat-store.ts';
import { DATABASE_FILE, SqliteChatStore } from './store/sqlite/sqlite-chat-store.ts';
import { StoreSystem } from './store/traced-chat-store.ts';

export interface ChatDatabaseOptions {
  /** @example 'postgres://chat:secret@db.internal:5432/chat' */
  url: string;
  /** Schema for the chat's tables, created when missing. @default the server's `search_path` (usually `public`) */
  schema?: string;
  /** @default 10 */
  poolSize?: number;
  /** How long a query waits for a connection before it fails with `STORE_UNAVAILABLE`. @default 5000 */
  connectionTimeoutMs?: number;
  /** How long one statement may take before it fails with `STORE_UNAVAILABLE` (client and server side). @default 2000 */
  queryTimeoutMs?: number;
}

export interface ChatDynamoDbOptions {
  /** A table of the chat's design (`chatTable`): the CDK stacks create it, `createTable` does locally. */
  tableName: string;
  /**
   * The SDK client's settings. Region, endpoint and credentials otherwise come from
   * the SDK's usual sources: `AWS_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`, and the
   * default credential chain (an ECS task role on Fargate).
   * @default {}
   */
  client?: DynamoDBClientConfig;
}

/** Where the server keeps its data. */
export type StoreSelection =
  | { database: ChatDatabaseOptions; dynamodb?: never; dataDir: string }
  | { dynamodb: ChatDynamoDbOptions; database?: never; dataDir: string }
  | { database?: undefined; dynamodb?: undefined; dataDir: string };

export interface OpenedStore {
  store: ChatStore;
  /** `db.system.name` for its spans. */
  system: StoreSystem;
  /** Where the rate limits count. */
  rateLimits: RateLimitStore;
  close(): Promise<void>;
}

/**
 * A DynamoDB call (with the SDK's retries) that takes longer than this fails, so
 * a stalled connection answers `STORE_UNAVAILABLE` instead of holding a handler
 * until the integration timeout.
 */
const DYNAMODB_REQUEST_TIMEOUT_MS = 3000;
const DYNAMODB_CONNECTION_TIMEOUT_MS = 2000;

/** Opens the selected store. Rejects with `ChatServerError` naming the setting when it cannot be used. */
export async function openChatStore(selection: StoreSelection, logger: ChatLogger): Promise<OpenedStore> {
  if (selection.database) return openPostgres(selection.database, logger);
  if (selection.dynamodb) return openDynamoDb(selection.dynamodb);
  return openSqlite(selection.dataDir);
}

async function openSqlite(dataDir: string): Promise<OpenedStore> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK);
    const store = SqliteChatStore.open(join(dataDir, DATABASE_FILE));
    return { store, system: StoreSystem.sqlite, rateLimits: new MemoryRateLimitStore(), close: () => store.close() };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChatServerError(
      ChatServerErrorCode.dataDir,
      `Cannot use the data directory ${dataDir}: ${reason}. Choose another with --data-dir or DATA_DIR.`,
      { cause: error },
    );
  }
}

async function openPostgres(database: ChatDatabaseOptions, logger: ChatLogger): Promise<OpenedStore> {
  try {
    const store = await PostgresChatStore.open({
      connectionString: database.url,
      logger,
      ...(database.schema !== undefined && { schema: database.schema }),
      ...(database.poolSize !== undefined && { poolSize: database.poolSize }),
      ...(database.connectionTimeoutMs !== undefined && { connectionTimeoutMs: database.connectionTimeoutMs }),
      ...(database.queryTimeoutMs !== undefined && { queryTimeoutMs: database.queryTimeoutMs }),
    });
    return { store, system: StoreSystem.postgres, rateLimits: store.rateLimits, close: () => store.close() };
  } catch (error) {
    throw databaseError(`the PostgreSQL database at DATABASE_URL (${redactUrl(database.url)})`, error);
  }
}

async function openDynamoDb({ tableName, client: config = {} }: ChatDynamoDbOptions): Promise<OpenedStore> {
  const client = new DynamoDBClient({
    requestHandler: { requestTimeout: DYNAMODB_REQUEST_TIMEOUT_MS, connectionTimeout: DYNAMODB_CONNECTION_TIMEOUT_MS },
    ...config,
  });
  const store = new DynamoDbChatStore(DynamoDBDocumentClient.from(client), tableName);
  try {
    // The read /readyz makes: a missing table, region or permission shows here, at start.
    await store.getUser('readyz');
  } catch (error) {
    client.destroy();
    throw databaseError(`the DynamoDB table ${tableName} (DYNAMODB_TABLE)`, error);
  }
  return {
    store,
    system: StoreSystem.dynamodb,
    rateLimits: store.rateLimits,
    close: async () => client.destroy(),
  };
}

/** STORE_UNAVAILABLE says only "could not store data"; the driver's cause says why. */
function databaseError(what: string, error: unknown): ChatServerError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const reason = cause instanceof Error ? cause.message || cause.name : String(cause);
  return new ChatServerError(ChatServerErrorCode.database, `Cannot use ${what}: ${reason}`, { cause: error });
}
