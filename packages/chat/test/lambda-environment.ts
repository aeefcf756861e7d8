/**
 * The environment Lambda and the CDK app give a chat function, for running its
 * entry module in a test: the table on DynamoDB Local, a plain token secret (no
 * Secrets Manager here), local credentials, and Powertools kept quiet.
 */
import { LambdaEnvironment } from '../src/lambda/environment.ts';
import { localCredentials } from './dynamodb-local.ts';

export const TEST_TOKEN_SECRET = 'a-test-secret-that-is-at-least-32-characters';

/** Sets the variables on `process.env` (before the entry modules are imported, as Lambda loads them). */
export function setLambdaEnvironment(dynamoDbEndpoint: string, tableName: string): void {
  Object.assign(process.env, {
    [LambdaEnvironment.tableName]: tableName,
    [LambdaEnvironment.tokenSecret]: TEST_TOKEN_SECRET,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
}
