/**
 * The custom CloudWatch metrics the chat's Lambda functions emit (as embedded
 * metric format log lines), by name: the functions write them, the CDK app
 * (packages/infra) graphs them and alarms on them. Every metric carries one
 * dimension, `service`, the function's `POWERTOOLS_SERVICE_NAME` (the stack's
 * name), so two deployments in one account stay apart.
 */
export const ChatMetrics = {
  namespace: 'Switchboard/Chat',
  /** The dimension every chat metric carries. */
  serviceDimension: 'service',
  /** PostToConnection calls, whatever their outcome. */
  connectionPosts: 'ConnectionPosts',
  /** PostToConnection calls answered 410 Gone (the connection had closed). */
  connectionPostsGone: 'ConnectionPostsGone',
  /** PostToConnection calls answered 429: the account's `@connections` rate was exceeded. */
  connectionPostsThrottled: 'ConnectionPostsThrottled',
  /** Search index items (one DynamoDB write unit each), or OpenSearch documents, the stream indexer wrote or deleted. */
  searchIndexWrites: 'SearchIndexWrites',
} as const;
