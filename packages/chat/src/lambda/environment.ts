/**
 * The environment variables the chat's Lambda functions read, by name: the CDK
 * app sets exactly these (packages/infra), the functions read them at cold start.
 * None of them is a secret: the token key is read from Secrets Manager.
 */
export const LambdaEnvironment = {
  /** The DynamoDB table of `chatTable` (store/dynamodb/table-design.ts). Required by functions that use the table. */
  tableName: 'TABLE_NAME',
  /**
   * The ARN of the Secrets Manager secret whose versions are the token keys
   * (lambda/token-key-ring.ts): set on the two functions that sign or verify
   * session tokens, the authorizer and the HTTP API's.
   */
  tokenSecretArn: 'TOKEN_SECRET_ARN',
  /**
   * A plain token secret (at least 32 characters), for running the entry points
   * outside AWS (the Switchboard gateway, tests) where there is no Secrets
   * Manager; `TOKEN_SECRET_ARN` wins when both are set. The CDK app never sets it.
   */
  tokenSecret: 'TOKEN_SECRET',
  /**
   * `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`: the WebSocket
   * API's `@connections` endpoint, for functions whose events do not come from
   * that API (the HTTP API's, which announce new members of `general`).
   */
  connectionsUrl: 'CONNECTIONS_URL',
  /** PostToConnection calls in flight per room broadcast. @default 16 */
  postConcurrency: 'POST_CONCURRENCY',
  /**
   * The deployment's name in logs, traces and metrics (the `service` dimension of
   * `ChatMetrics`): the CDK app sets the stack's name. @default 'switchboard-chat'
   */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /**
   * The OpenSearch Serverless collection endpoint (`https://<id>.<region>.aoss.amazonaws.com`)
   * of a deployment that searches with OpenSearch (the CDK app's
   * `searchEngine=opensearch`): set on the search indexer and the functions that
   * search. @default unset: search reads the word index in the table
   */
  searchEndpoint: 'OPENSEARCH_ENDPOINT',
  /**
   * The S3 bucket of attached files (docs/operations.md, "Files"): set on the
   * functions that sign, check, move or delete them. @default unset: no attachments
   */
  filesBucket: 'FILES_BUCKET',
  /** Rate limits that differ from the defaults, as JSON (docs/operations.md, "Rate limits"). @default none */
  rateLimits: 'CHAT_RATE_LIMITS',
  /** Hours a guest may be idle before it is retired. @default 24 */
  guestIdleHours: 'CHAT_GUEST_IDLE_HOURS',
  /** How often clients ping for their rooms' heads, in seconds (told to them by `hello`). @default 25 */
  heartbeatSeconds: 'CHAT_HEARTBEAT_SECONDS',
  /** Rooms with more members than this send no `presence` frames. @default 250 */
  presenceMaxRoomMembers: 'CHAT_PRESENCE_MAX_ROOM_MEMBERS',
  /** The server's admins: usernames separated by commas or spaces. @default none */
  serverAdmins: 'CHAT_ADMINS',
} as const;

/** A variable the function cannot run without. */
export function requiredVariable(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`The environment variable ${name} is not set; the CDK app (packages/infra) sets it.`);
  return value;
}
