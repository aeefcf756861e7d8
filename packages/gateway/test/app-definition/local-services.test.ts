/**
 * DynamoDB Local as `switchboard serve` runs it for an app's tables: data kept
 * between runs in the app's folder, or another DynamoDB given by endpoint, and a
 * clear error when Java is missing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { prepareApp } from '../../src/app-definition/serve-app.ts';
import { ConfigError } from '../../src/errors.ts';
import { oneRouteTemplate } from '../support/one-route-template.ts';
import { temporaryFolder } from '../support/temp-folder.ts';

const template = (
  keyName: string,
): string => `${oneRouteTemplate('.', ', Environment: { Variables: { TABLE: !Ref Notes } }')}  Notes:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: notes
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{ AttributeName: ${keyName}, AttributeType: S }]
      KeySchema: [{ AttributeName: ${keyName}, KeyType: HASH }]
      StreamSpecification: { StreamViewType: NEW_IMAGE }
      TimeToLiveSpecification: { AttributeName: expiresAt, Enabled: true }
`;

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('DynamoDB Local for an app', { timeout: 120_000 }, () => {
  const folder = temporaryFolder('switchboard-dynamodb-', {
    'app.mjs': 'export const handler = async () => ({ statusCode: 200 });\n',
    'template.yaml': template('id'),
    'changed/app.mjs': 'export const handler = async () => ({ statusCode: 200 });\n',
    'changed/template.yaml': template('key'),
  });

  it('keeps the data between runs in the app folder, and points the functions at it', async () => {
    const file = join(folder(), 'template.yaml');
    const first = await prepareApp(file, {});
    const endpoint = String(first.definition.environment?.AWS_ENDPOINT_URL_DYNAMODB);
    try {
      assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(first.definition.environment?.AWS_ENDPOINT_URL_DYNAMODB_STREAMS, endpoint);
      assert.equal(first.definition.environment?.AWS_ACCESS_KEY_ID, 'local');
      assert.equal(first.definition.routes.$default?.environment?.TABLE, 'notes');
      assert.match(
        first.banner.join('\n'),
        /DynamoDB: +http:\S+ \(DynamoDB Local, data in .*\.switchboard\/dynamodb; tables notes\)/,
      );
      const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });
      after(() => client.destroy());
      const table = await client.send(new DescribeTableCommand({ TableName: 'notes' }));
      assert.equal(table.Table?.StreamSpecification?.StreamViewType, 'NEW_IMAGE');
      await client.send(new PutItemCommand({ TableName: 'notes', Item: { id: { S: 'kept' } } }));
    } finally {
      await first.close();
    }

    const second = await prepareApp(file, {});
    try {
      const client = new DynamoDBClient({
        endpoint: String(second.definition.environment?.AWS_ENDPOINT_URL_DYNAMODB),
        region: 'eu-west-3',
        credentials: { accessKeyId: 'other', secretAccessKey: 'other' },
      });
      after(() => client.destroy());
      const kept = await client.send(new GetItemCommand({ TableName: 'notes', Key: { id: { S: 'kept' } } }));
      assert.deepEqual(
        kept.Item,
        { id: { S: 'kept' } },
        'the second run (and any region or credentials) sees the data',
      );

      // The same table name with another key, served against this DynamoDB: reported, not dropped.
      const changed = await prepareApp(join(folder(), 'changed', 'template.yaml'), {
        dynamodbEndpoint: String(second.definition.environment?.AWS_ENDPOINT_URL_DYNAMODB),
      });
      assert.match(changed.banner.join('\n'), /DynamoDB: +http:\S+ \(the given endpoint; tables notes\)/);
      assert.ok(
        changed.notices.some((notice) => /table notes was kept from an earlier run, but its keys differ/.test(notice)),
        changed.notices.join('\n'),
      );
      await changed.close();
      const still = await client.send(new GetItemCommand({ TableName: 'notes', Key: { id: { S: 'kept' } } }));
      assert.ok(still.Item, 'closing an app served against a given endpoint leaves that DynamoDB running');
    } finally {
      await second.close();
    }
  });

  it('with --workers, asks for one shared DynamoDB', async () => {
    await assert.rejects(
      prepareApp(join(folder(), 'template.yaml'), {}, true),
      /with --workers, the gateway processes share one DynamoDB: start DynamoDB Local once and pass --dynamodb-endpoint/,
    );
  });

  it('says what to install when Java is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      await assert.rejects(prepareApp(join(folder(), 'template.yaml'), { inMemory: true }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.problem, /the app has DynamoDB tables, but Java is not installed: install DynamoDB Local/);
        return true;
      });
    } finally {
      process.env.PATH = path;
    }
  });
});
