/**
 * `npm run search:backfill --workspace @switchboard/chat -- --table <name>`:
 * indexes every message of a deployed chat's table for search (store/dynamodb/
 * search-backfill.ts), into the table's word index, or into an OpenSearch
 * Serverless collection with `--opensearch <endpoint>`. Uses the AWS
 * credentials and region of the shell (AWS_PROFILE, AWS_REGION, ...); they
 * need dynamodb:Scan on the table, and dynamodb:BatchWriteItem (word index) or
 * aoss:APIAccessAll plus the collection's write permissions (OpenSearch).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backfillSearchIndex } from './store/dynamodb/search-backfill.ts';
import { SearchIndexer } from './store/dynamodb/search-indexer.ts';
import { OpenSearchClient } from './store/opensearch/opensearch-client.ts';
import { OpenSearchIndexer } from './store/opensearch/opensearch-indexer.ts';

const USAGE = `Usage: npm run search:backfill --workspace @switchboard/chat -- --table <name> [--opensearch <https endpoint>]

Indexes every message of the table for search. Reads (and bills) the whole table once.
AWS credentials and region come from the environment (AWS_PROFILE, AWS_REGION, ...).`;

function fail(message: string): never {
  process.stderr.write(`search:backfill: ${message}\n\n${USAGE}\n`);
  process.exit(1);
}

let flags: { table?: string; opensearch?: string; help?: boolean };
try {
  ({ values: flags } = parseArgs({
    options: { table: { type: 'string' }, opensearch: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!flags.table) fail('--table is required: the chat table of the deployment.');

const client = new DynamoDBClient({});
try {
  const region = await client.config.region();
  const indexer = flags.opensearch
    ? new OpenSearchIndexer(new OpenSearchClient({ endpoint: flags.opensearch, region }))
    : new SearchIndexer(DynamoDBDocumentClient.from(client), flags.table);
  const totals = await backfillSearchIndex(client, flags.table, indexer, {
    progress: ({ scanned, messages, written }) =>
      process.stderr.write(`scanned ${scanned} items, ${messages} messages, ${written} written\n`),
  });
  process.stdout.write(`Indexed ${totals.messages} messages (${totals.written} index writes).\n`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  client.destroy();
}
