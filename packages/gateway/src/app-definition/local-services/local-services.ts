/**
 * The AWS services an app uses, run locally for `switchboard serve`: DynamoDB
 * Local with the app's tables, and the variables that point every function at
 * it. Functions also get local credentials, so that neither AWS SDK looks for
 * real ones (or reaches a real account with them).
 */
import { isAbsolute, join, relative } from 'node:path';
import type { AwsServicesDefinition } from '../../definition.ts';
import type { ServedApp } from '../served-app.ts';
import { createTables, LOCAL_CREDENTIALS } from './create-tables.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';

export interface LocalServiceOptions {
  /** A DynamoDB that runs already (`--dynamodb-endpoint`): the tables are created there. */
  dynamodbEndpoint?: string;
  /** Keep DynamoDB Local's data in memory instead of `<project>/.switchboard/dynamodb`. @default false */
  inMemory?: boolean;
}

export interface LocalServices {
  /** Variables for every function. */
  environment: Record<string, string>;
  /** Where the app's AWS integrations call (DynamoDB Local) and the local credentials they sign with. */
  awsServices: AwsServicesDefinition;
  /** Banner lines: where each service answers. */
  banner: string[];
  /** Start-up notes (a kept table that differs from the template). */
  notes: string[];
  close(): Promise<void>;
}

/** Where DynamoDB Local keeps an app's data between runs, relative to the app's folder. */
export const DYNAMODB_DATA_DIR = join('.switchboard', 'dynamodb');

export async function startLocalServices(app: ServedApp, options: LocalServiceOptions = {}): Promise<LocalServices> {
  const environment: Record<string, string> = {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // A session token from the shell would belong to other credentials.
    AWS_SESSION_TOKEN: '',
  };
  const awsServices: AwsServicesDefinition = { endpoints: {}, credentials: { ...LOCAL_CREDENTIALS } };
  if (app.tables.length === 0 && !options.dynamodbEndpoint)
    return { environment, awsServices, banner: [], notes: [], close: async () => {} };
  const region = app.definition.region ?? 'us-east-1';
  const dataDir = options.inMemory ? undefined : join(app.projectDir, DYNAMODB_DATA_DIR);
  const local = options.dynamodbEndpoint
    ? undefined
    : await startDynamoDbLocal({ dataDir, projectDir: app.projectDir, ready: (endpoint) => probe(endpoint, region) });
  const endpoint = options.dynamodbEndpoint ?? (local?.endpoint as string);
  try {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const client = new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
    let notes: string[];
    try {
      notes = await createTables(client, app.tables);
    } finally {
      client.destroy();
    }
    // DynamoDB Local serves the Streams API on the same port.
    environment.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    environment.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = endpoint;
    // AWS integrations (spec 7) write to the same tables as the functions.
    awsServices.endpoints = { dynamodb: endpoint };
    const where = local
      ? `DynamoDB Local, data ${dataDir ? `in ${displayPath(dataDir)}` : 'in memory'}`
      : 'the given endpoint';
    const tables = app.tables.length > 0 ? `; tables ${app.tables.map((table) => table.name).join(', ')}` : '';
    return {
      environment,
      awsServices,
      banner: [`DynamoDB:      ${endpoint} (${where}${tables})`],
      notes,
      close: async () => {
        await local?.close();
      },
    };
  } catch (error) {
    await local?.close();
    throw error;
  }
}

async function probe(endpoint: string, region: string): Promise<void> {
  const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 2000, connectionTimeout: 1000 },
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
  } finally {
    client.destroy();
  }
}

function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : path;
}
