/**
 * The DynamoDB store of a function that uses the table: one client per
 * container, traced by X-Ray, on the table named by `TABLE_NAME`. The SDK takes
 * region, credentials and (in tests) `AWS_ENDPOINT_URL_DYNAMODB` from the
 * environment Lambda gives it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChatStore } from '../../store/dynamodb/dynamodb-chat-store.ts';
import { LambdaEnvironment, requiredVariable } from '../environment.ts';
import { tracer } from './observability.ts';

/** The container's DynamoDB client (exported so tests can observe its calls). */
export const dynamoDbClient: DynamoDBClient = tracer.captureAWSv3Client(new DynamoDBClient({}));

let store: DynamoDbChatStore | undefined;

/** The store over `TABLE_NAME`, built at first use. */
export function tableStore(): DynamoDbChatStore {
  store ??= new DynamoDbChatStore(
    DynamoDBDocumentClient.from(dynamoDbClient),
    requiredVariable(LambdaEnvironment.tableName),
  );
  return store;
}
