/**
 * A CloudFormation template whose WebSocket API uses AWS, MOCK and Lambda non-proxy
 * integrations with integration responses and route responses, served as
 * `switchboard serve template.yaml` serves it: DynamoDB Local holds the template's
 * table and the AWS integrations write to it with the run's local credentials.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { loadApp } from '../../src/app-definition/load-app.ts';
import { prepareApp } from '../../src/app-definition/serve-app.ts';
import { connect, startGateway } from '../support/gateway-harness.ts';

const template = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'apps',
  'apigw-integrations',
  'template.yaml',
);

describe('a template with AWS, MOCK and Lambda non-proxy integrations', { timeout: 180_000 }, () => {
  it('reads every integration, its responses and the route response models', async () => {
    const app = await loadApp(template, { region: 'eu-west-1' });
    const { routes } = app.definition;
    assert.deepEqual(routes.$connect?.integration, {
      type: 'AWS',
      uri: 'arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem',
      method: 'POST',
      passthroughBehavior: 'NEVER',
      templateSelectionExpression: '\\$default',
      requestTemplates: { $default: routes.$connect?.integration?.requestTemplates?.$default },
    });
    assert.match(String(routes.$connect?.integration?.requestTemplates?.$default), /"TableName": "cafe-connections"/);
    assert.deepEqual(routes.ping?.integration?.responses, {
      '/2\\d\\d/': { templates: { $default: '{"pong":"$context.requestTimeEpoch"}' } },
      $default: {
        templates: { '503': '{"pong":false,"retry":true}' },
        templateSelectionExpression: '${integration.response.statuscode}',
      },
    });
    assert.equal(routes.ping?.routeResponse, true);
    assert.match(String(routes.order?.handler), /prices\.mjs#handler$/);
    assert.equal(routes.order?.integration?.type, 'AWS');
    assert.equal(routes.order?.integration && 'uri' in routes.order.integration, false);
    assert.deepEqual(Object.keys(routes.order?.routeResponse as object), ['models', 'modelSelectionExpression']);
    assert.ok(
      app.notices.some((notice) => /CredentialsArn role is not assumed locally/.test(notice)),
      app.notices.join('\n'),
    );
  });

  it('serves it: connection items with a TTL, a MOCK ping, an order priced by a Lambda without proxy', async () => {
    const prefix = `cafe-${randomUUID().slice(0, 8)}`;
    const shared = process.env.TEST_DYNAMODB_ENDPOINT;
    const prepared = await prepareApp(template, {
      parameterOverrides: { TablePrefix: prefix },
      region: 'us-east-1',
      ...(shared ? { dynamodbEndpoint: shared } : { inMemory: true }),
    });
    const dynamodb = new DynamoDBClient({
      endpoint: String(prepared.definition.awsServices?.endpoints?.dynamodb),
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const { url } = await startGateway(prepared.definition, { baseDir: prepared.app.baseDir });
      const started = Math.floor(Date.now() / 1000);
      const client = await connect(url, { query: '?table=7' });
      const scan = async () =>
        (await dynamodb.send(new ScanCommand({ TableName: `${prefix}-connections`, ConsistentRead: true }))).Items ??
        [];
      const [item] = await scan();
      assert.equal(item?.table?.S, '7');
      const expiresAt = Number(item?.expiresAt?.N);
      assert.ok(expiresAt >= started + 3600 && expiresAt <= started + 3600 + 60, String(expiresAt));

      client.send({ action: 'ping' });
      assert.match(await client.next(5000), /^\{"pong":"\d{13}"\}$/);
      client.send({ action: 'ping', mood: 'grumpy' });
      assert.equal(await client.next(5000), '{"pong":false,"retry":true}');

      client.send({ action: 'order', item: 'tea', quantity: 3 });
      assert.deepEqual(JSON.parse(await client.next(10_000)), { item: 'tea', total: '7.50' });
      client.send({ action: 'order', item: 'coffee', quantity: 1 });
      assert.deepEqual(JSON.parse(await client.next(10_000)), { refused: 'Unknown item: coffee' });

      await client.close();
      for (let attempt = 0; (await scan()).length > 0; attempt++) {
        assert.ok(attempt < 100, 'the $disconnect DeleteItem did not happen within 10 s');
        await delay(100);
      }
    } finally {
      dynamodb.destroy();
      await prepared.close();
    }
  });
});
