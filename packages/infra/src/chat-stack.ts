/**
 * The Switchboard chat on AWS, serverless: the same handlers that run on the
 * Switchboard gateway, one Lambda function per route.
 *
 *   browser ──https──▶ CloudFront ──OAC──▶ S3 (web client + config.json)
 *   browser ──wss────▶ API Gateway WebSocket API ──▶ authorizer, $connect, actions (Lambda) ──▶ DynamoDB
 *   browser ──https──▶ API Gateway HTTP API /api/* ──▶ accounts, search, file links (Lambda) ──▶ DynamoDB
 *   browser ──https──▶ S3 (files bucket) with URLs the functions presigned (chat-files.ts)
 *   Lambda ──POST @connections──▶ WebSocket API ──▶ browsers
 *   DynamoDB stream (message items) ──▶ search indexer (Lambda) ──▶ word items in the same table
 *                                                               (or, opt-in, an OpenSearch Serverless collection)
 *   CloudWatch alarms ──▶ SNS topic ──▶ operators
 *
 * Least privilege, per function (`functionAccess` in the chat's lambda/): the
 * table actions its route performs, the indexes only if it queries them, posts
 * to this API's connections only if it broadcasts, and the token secret only
 * for the authorizer and the HTTP API's function, which read it from Secrets
 * Manager at cold start; no function's environment holds a secret. The secret
 * rotates every 30 days (lambda/rotation.ts); tokens signed with the previous
 * key stay valid, so the interval must exceed the longest token lifetime.
 *
 * The data outlives the stack unless `destroyData` is set: the table (with
 * deletion protection and point-in-time recovery) and the token secret are
 * retained on `cdk destroy`. The region's API Gateway CloudWatch role is not
 * this stack's (api-gateway-account-stack.ts).
 */
import { CfnOutput, type Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ChatFiles } from './chat-files.ts';
import { ChatFunction, type ChatFunctionProps } from './chat-function.ts';
import { ChatMonitoring } from './chat-monitoring.ts';
import {
  type ChatFunctionName,
  type ChatRouteKey,
  chatApiDefinition,
  defaultWebRoot,
  functionAccess,
  LambdaEnvironment,
  lambdaEntryPoints,
} from './chat-sources.ts';
import { ChatTable } from './chat-table.ts';
import { ChatHttpApi } from './http-api.ts';
import { OpenSearchSearch } from './opensearch-search.ts';
import { SearchIndexing, searchIndexerFunctionProps } from './search-indexing.ts';
import { addTokenKeySecret } from './token-key-secret.ts';
import { WebClient } from './web-client.ts';
import { ChatWebSocketApi, routeName } from './websocket-api.ts';

export interface ChatStackProps extends StackProps {
  /** The built web client. @default packages/web/dist */
  webRoot?: string;
  /**
   * Let `cdk destroy` (and a replacement) delete the table and the token secret,
   * and turn the table's deletion protection off: for throwaway stacks.
   * @default false: both are retained
   */
  destroyData?: boolean;
  /** An address subscribed to the alarm topic (it must confirm). @default none */
  alarmEmail?: string;
  /**
   * Usernames of the chat's server admins (`CHAT_ADMINS`): they deactivate
   * accounts and read every room's moderation log. Not a secret: an admin still
   * signs in with their own password. @default none
   */
  serverAdmins?: readonly string[];
  /** WebSocket stage default throttling. @default { rateLimit: 100, burstLimit: 200 } */
  webSocketThrottle?: ThrottleSettings;
  /** HTTP API throttling (sign-ups, logins). @default { rateLimit: 20, burstLimit: 40 } */
  httpThrottle?: ThrottleSettings;
  /**
   * How often the token secret rotates. Tokens signed with the previous key stay
   * valid until the next rotation, so it must exceed the longest token lifetime
   * (7 days). @default 30 days
   */
  tokenKeyRotation?: Duration;
  /**
   * Where search finds messages: the word index in the table, written by the
   * search indexer from the table's stream (no monthly floor), or an OpenSearch
   * Serverless collection the same indexer keeps (opensearch-search.ts; billed
   * by the hour). @default 'dynamodb'
   */
  searchEngine?: 'dynamodb' | 'opensearch';
  /** With `searchEngine: 'opensearch'`: standby replicas in a second Availability Zone. @default true */
  openSearchRedundancy?: boolean;
}

export class ChatStack extends Stack {
  readonly table: ChatTable;
  readonly webSocketApi: ChatWebSocketApi;
  readonly httpApi: ChatHttpApi;
  readonly webClient: WebClient;
  /** The bucket of attached files (chat-files.ts). */
  readonly files: ChatFiles;
  readonly monitoring: ChatMonitoring;
  readonly searchIndexing: SearchIndexing;
  /** The OpenSearch Serverless collection, with `searchEngine: 'opensearch'`. */
  readonly openSearch?: OpenSearchSearch;

  constructor(scope: Construct, id: string, props: ChatStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.destroyData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const openSearch = props.searchEngine === 'opensearch';

    this.table = new ChatTable(this, 'Chat', { removalPolicy });
    const { secret: tokenSecret, rotationFunction } = addTokenKeySecret(this, {
      removalPolicy,
      rotation: props.tokenKeyRotation,
      serviceName: this.stackName,
    });

    /** One function with exactly the access its entry point needs. */
    const chatFunction = (
      name: ChatFunctionName,
      id: string,
      entry: string,
      options: Pick<ChatFunctionProps, 'memorySize' | 'timeout' | 'invokedBy' | 'noDeadLetterQueueReason'> = {},
    ) => {
      const access = functionAccess[name];
      // With OpenSearch, the indexer writes the collection, not the table.
      const tableActions = openSearch && access.searchEngine === 'write' ? [] : access.table;
      const fn = new ChatFunction(this, id, {
        entry,
        ...options,
        environment: {
          [LambdaEnvironment.serviceName]: this.stackName,
          ...(tableActions.length > 0 && { [LambdaEnvironment.tableName]: this.table.table.tableName }),
          ...(access.tokenKeys && { [LambdaEnvironment.tokenSecretArn]: tokenSecret.secretArn }),
          ...(props.serverAdmins?.length && { [LambdaEnvironment.serverAdmins]: props.serverAdmins.join(',') }),
        },
      });
      this.table.grant(fn, tableActions, { indexes: access.indexes });
      if (access.tokenKeys) {
        // Reading a version's value is all it does (no DescribeSecret, no listing).
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [tokenSecret.secretArn] }),
        );
      }
      return fn;
    };

    const authorizer = chatFunction('authorizer', 'Authorizer', lambdaEntryPoints.authorizer);
    const routes = Object.fromEntries(
      Object.entries(lambdaEntryPoints.routes).map(([key, entry]) => [
        key,
        chatFunction(key as ChatRouteKey, `Route${routeName(key as ChatRouteKey)}`, entry),
      ]),
    ) as Record<ChatRouteKey, ChatFunction>;
    const definition = chatApiDefinition({ authorizer, routes });
    this.webSocketApi = new ChatWebSocketApi(this, 'WebSocket', {
      definition,
      throttle: props.webSocketThrottle,
    });
    const accounts = chatFunction('httpApi', 'HttpApiFunction', lambdaEntryPoints.httpApi, {
      // Password hashing (scrypt) is CPU-bound, and Lambda's CPU share grows with memory.
      memorySize: 1024,
    });
    accounts.addEnvironment(LambdaEnvironment.connectionsUrl, this.webSocketApi.stage.callbackUrl);
    const searchIndexer = chatFunction(
      'searchIndexer',
      'SearchIndexer',
      lambdaEntryPoints.searchIndexer,
      searchIndexerFunctionProps,
    );
    this.searchIndexing = new SearchIndexing(this, 'SearchIndexing', {
      table: this.table.table,
      indexer: searchIndexer,
    });
    const functions: Array<[ChatFunctionName, ChatFunction]> = [
      ['authorizer', authorizer],
      ...(Object.entries(routes) as Array<[ChatRouteKey, ChatFunction]>),
      ['httpApi', accounts],
      ['searchIndexer', searchIndexer],
    ];
    for (const [name, fn] of functions) {
      const { postToConnections, closeConnections } = functionAccess[name];
      const methods = [
        ...(postToConnections ? ['POST' as const] : []),
        ...(closeConnections ? ['DELETE' as const] : []),
      ];
      if (methods.length > 0) this.webSocketApi.grantManageConnections(fn, methods);
    }
    if (openSearch) {
      this.openSearch = new OpenSearchSearch(this, 'OpenSearch', {
        readers: functions.filter(([name]) => functionAccess[name].searchEngine === 'read').map(([, fn]) => fn),
        writer: searchIndexer,
        redundancy: props.openSearchRedundancy,
      });
    }

    this.webClient = new WebClient(this, 'Web', { webRoot: props.webRoot ?? defaultWebRoot });
    this.files = new ChatFiles(this, 'Files', { allowOrigins: [this.webClient.url], removalPolicy });
    for (const [name, fn] of functions) this.files.grant(fn, functionAccess[name].files, LambdaEnvironment.filesBucket);
    this.httpApi = new ChatHttpApi(this, 'Http', {
      handler: accounts,
      allowOrigin: this.webClient.url,
      throttle: props.httpThrottle,
    });
    this.webClient.publish({ webSocketUrl: this.webSocketApi.stage.url, httpApiUrl: this.httpApi.url });

    this.monitoring = new ChatMonitoring(this, 'Monitoring', {
      functions: [...functions.map(([name, fn]) => ({ name, fn })), { name: 'tokenKeyRotation', fn: rotationFunction }],
      webSocket: this.webSocketApi,
      httpStage: this.httpApi.stage,
      table: this.table.table,
      searchIndexer: { fn: searchIndexer, failedBatches: this.searchIndexing.failedBatches },
      serviceName: this.stackName,
      alarmEmail: props.alarmEmail,
    });

    new CfnOutput(this, 'WebUrl', { description: 'The chat in a browser', value: this.webClient.url });
    new CfnOutput(this, 'WebSocketUrl', {
      description: 'The WebSocket API (add ?token=<session token>)',
      value: this.webSocketApi.stage.url,
    });
    new CfnOutput(this, 'HttpApiUrl', {
      description: 'The accounts and search endpoints (POST /api/...)',
      value: this.httpApi.url,
    });
    new CfnOutput(this, 'TableName', {
      description: 'The chat table (for the search backfill: npm run search:backfill -- --table <name>)',
      value: this.table.table.tableName,
    });
    if (this.openSearch) {
      new CfnOutput(this, 'SearchCollectionEndpoint', {
        description: 'The OpenSearch Serverless collection (for the search backfill: --opensearch <endpoint>)',
        value: this.openSearch.collection.attrCollectionEndpoint,
      });
    }
    new CfnOutput(this, 'AlarmTopic', {
      description: 'Subscribe to the alarm notifications here',
      value: this.monitoring.topic.topicArn,
    });
    new CfnOutput(this, 'Dashboard', {
      description: 'The CloudWatch dashboard',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
    });
  }
}
