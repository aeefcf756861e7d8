/**
 * Creates an app's tables in DynamoDB Local (or the endpoint given), with their
 * indexes, streams and time to live. A table that exists already (data kept from
 * an earlier run) is left as it is; if its keys or indexes differ from the
 * template's, the difference is reported rather than the data dropped.
 */
import type { DescribeTableCommandOutput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableSpec } from './table-spec.ts';

/** Credentials DynamoDB Local accepts; with `-sharedDb` any pair reaches the same data. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Creates what is missing; returns notes about tables that differ from the template. */
export async function createTables(client: DynamoDBClient, tables: TableSpec[]): Promise<string[]> {
  const {
    CreateTableCommand,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    UpdateTimeToLiveCommand,
    ResourceNotFoundException,
  } = await import('@aws-sdk/client-dynamodb');
  const notes: string[] = [];
  for (const table of tables) {
    let existing: DescribeTableCommandOutput | undefined;
    try {
      existing = await client.send(new DescribeTableCommand({ TableName: table.name }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (existing?.Table) {
      const difference = differenceFrom(table, existing.Table as Record<string, unknown>);
      if (difference)
        notes.push(
          `table ${table.name} was kept from an earlier run, but its ${difference} differ from the template's: remove it (or its data folder) to start afresh, or serve with --in-memory`,
        );
    } else {
      await client.send(new CreateTableCommand({ ...table.create, TableName: table.name } as never));
    }
    if (table.timeToLiveAttribute) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table.name }));
      if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: table.name,
            TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
          }),
        );
      }
    }
  }
  return notes;
}

function differenceFrom(table: TableSpec, existing: Record<string, unknown>): string | undefined {
  const keys = (schema: unknown): string => JSON.stringify(schema);
  if (keys(existing.KeySchema) !== keys(table.create.KeySchema)) return 'keys';
  const indexNames = (list: unknown): string =>
    (Array.isArray(list) ? list.map((index) => String((index as { IndexName?: unknown }).IndexName)) : [])
      .sort()
      .join(',');
  const wanted = indexNames(table.create.GlobalSecondaryIndexes) + indexNames(table.create.LocalSecondaryIndexes);
  const present = indexNames(existing.GlobalSecondaryIndexes) + indexNames(existing.LocalSecondaryIndexes);
  return wanted === present ? undefined : 'indexes';
}
