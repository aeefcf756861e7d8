/**
 * The DynamoDB store's rate limits (store/dynamodb/rate-limits.ts) against
 * AWS's DynamoDB Local through the real AWS SDK: the shared suite, in a file
 * of its own so each DynamoDB file stays short.
 */
import { after } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { dynamoDbLocalEndpoint, localCredentials, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';
import { runRateLimitConformance } from './rate-limit-conformance.ts';

after(stopDynamoDbLocal);

runRateLimitConformance('DynamoDbChatStore.rateLimits', async () => {
  const client = new DynamoDBClient({
    endpoint: await dynamoDbLocalEndpoint(),
    region: 'us-east-1',
    credentials: localCredentials,
  });
  const store = new DynamoDbChatStore(DynamoDBDocumentClient.from(client), await newTable());
  return { limits: store.rateLimits, close: async () => client.destroy() };
});
