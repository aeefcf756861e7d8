/**
 * The environment variables the chat's Lambda functions read, by name: the CDK
 * app sets exactly these (packages/infra), the functions read them at cold start.
 */
export const LambdaEnvironment = {
  /** The DynamoDB table of `chatTable` (store/dynamodb/table-design.ts). Required. */
  tableName: 'TABLE_NAME',
  /** The session token secret, at least 32 characters. Required. */
  tokenSecret: 'TOKEN_SECRET',
  /**
   * `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`: the WebSocket
   * API's `@connections` endpoint, for functions whose events do not come from
   * that API (the HTTP API's, which announce new members of `general`).
   */
  connectionsUrl: 'CONNECTIONS_URL',
  /** PostToConnection calls in flight per room broadcast. @default 16 */
  postConcurrency: 'POST_CONCURRENCY',
} as const;
