/**
 * What a chat Lambda function builds once per container (at its first
 * invocation) and reuses: the DynamoDB store, the token service, and per
 * `@connections` endpoint an `ApiGatewayManagementApi` client with the
 * `PostingBroadcaster` and `ChatService` over it.
 *
 *   cold start ─▶ TABLE_NAME, TOKEN_SECRET ─▶ DynamoDBDocumentClient, TokenService
 *   event ─▶ https://<domainName>/<stage> ─▶ ApiGatewayManagementApi ─▶ PostingBroadcaster ─▶ ChatService
 *
 * The endpoint comes from the event, as AWS documents for callbacks (spec 3:
 * `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`), so the same
 * function answers the Switchboard gateway locally and API Gateway on AWS. The
 * SDK clients take region, credentials and (in tests) `AWS_ENDPOINT_URL_DYNAMODB`
 * from the environment Lambda gives them.
 */
import { ApiGatewayManagementApi } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resolveTokenSecret } from '../accounts/secret.ts';
import { TokenService } from '../accounts/tokens.ts';
import { managementPoster } from '../broadcast/connection-poster.ts';
import { PostingBroadcaster } from '../broadcast/posting-broadcaster.ts';
import { ChatService } from '../domain/chat-service.ts';
import type { ChatHandlerDependencies } from '../handlers/handler-types.ts';
import { DynamoDbChatStore } from '../store/dynamodb/dynamodb-chat-store.ts';
import { LambdaEnvironment } from './environment.ts';
import type { WebSocketOrigin } from './lambda-events.ts';

interface SharedClients {
  store: DynamoDbChatStore;
  tokens: TokenService;
  concurrency: number;
}

let shared: Promise<SharedClients> | undefined;
const dependencies = new Map<string, Promise<ChatHandlerDependencies>>();
const managementClients = new Map<string, ApiGatewayManagementApi>();

/**
 * The `@connections` endpoint of the stage an event came through. (Behind a
 * custom domain with a base path mapping, API Gateway still reports the stage,
 * not the path: such a deployment sets `CONNECTIONS_URL` and uses `fromEnvironment`.)
 */
export function connectionsUrl({ domainName, stage }: WebSocketOrigin): string {
  return `https://${domainName}/${stage}`;
}

/** The `CONNECTIONS_URL` variable, for functions whose events do not name the WebSocket API. */
export function connectionsUrlFromEnvironment(): string {
  return requiredVariable(LambdaEnvironment.connectionsUrl);
}

/**
 * The handler dependencies for one `@connections` endpoint, built on first use.
 * Rejects when the environment is incomplete (the function then fails every
 * invocation with that message in its log).
 */
export function chatDependencies(endpoint: string): Promise<ChatHandlerDependencies> {
  let built = dependencies.get(endpoint);
  if (!built) {
    built = (async () => {
      shared ??= openSharedClients();
      const { store, tokens, concurrency } = await shared;
      // The broadcaster forgets gone connections through the service, which announces
      // the user offline when it was their last one: bound late, as in server.ts.
      let service: ChatService | undefined;
      const broadcaster = new PostingBroadcaster({
        store,
        poster: managementPoster(managementClient(endpoint)),
        concurrency,
        onGone: (connectionId) => service!.disconnect(connectionId),
      });
      service = new ChatService({ store, broadcaster, tokens });
      return { service };
    })();
    dependencies.set(endpoint, built);
  }
  return built;
}

/** The management API client of one endpoint (one per container and endpoint). */
export function managementClient(endpoint: string): ApiGatewayManagementApi {
  let client = managementClients.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApi({ endpoint });
    managementClients.set(endpoint, client);
  }
  return client;
}

async function openSharedClients(): Promise<SharedClients> {
  const tableName = requiredVariable(LambdaEnvironment.tableName);
  const secret = await resolveTokenSecret({ secret: requiredVariable(LambdaEnvironment.tokenSecret) });
  const concurrencyText = process.env[LambdaEnvironment.postConcurrency];
  const concurrency = concurrencyText ? Number(concurrencyText) : 16;
  return {
    store: new DynamoDbChatStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName),
    tokens: new TokenService({ secret }),
    concurrency,
  };
}

function requiredVariable(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`The environment variable ${name} is not set; the CDK app (packages/infra) sets it.`);
  return value;
}
