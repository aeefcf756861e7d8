import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AwsIntegrationDefinition } from '../../src/definition.ts';
import { ConfigError } from '../../src/errors.ts';
import { connectEvent, messageEvent } from '../../src/events.ts';
import { awsServiceIntegration, parseServiceUri } from '../../src/integrations/aws-service.ts';
import { startAwsRecorder } from '../support/aws-recorder.ts';
import { TEST_CONNECTION_FACTS } from '../support/connection-facts.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const facts = TEST_CONNECTION_FACTS;

function build(definition: Omit<AwsIntegrationDefinition, 'type'>, endpoints: Record<string, string> = {}) {
  return awsServiceIntegration(
    { type: 'AWS', ...definition },
    { stageVariables: {}, configPath: 'routes.a.integration', endpoints, credentials },
  );
}

describe('parseServiceUri', () => {
  it('reads the action and path forms, with a service subdomain', () => {
    assert.deepEqual(parseServiceUri('arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem'), {
      region: 'eu-west-1',
      service: 'dynamodb',
      kind: 'action',
      target: 'PutItem',
    });
    assert.deepEqual(parseServiceUri('arn:aws:apigateway:us-east-1:sqs:path/000000000000/jobs'), {
      region: 'us-east-1',
      service: 'sqs',
      kind: 'path',
      target: '000000000000/jobs',
    });
    assert.equal(parseServiceUri('arn:aws:apigateway:us-east-1:my-bucket.s3:path/key')?.service, 's3');
    assert.equal(parseServiceUri('http://example.com'), undefined);
  });
});

describe('awsServiceIntegration', () => {
  it('refuses a service without endpoint, an action of an unknown protocol and a URI that is no service action', () => {
    const cases: Array<[Omit<AwsIntegrationDefinition, 'type'>, RegExp]> = [
      [
        { uri: 'arn:aws:apigateway:us-east-1:sns:action/Publish' },
        /no endpoint for sns: set awsServices\.endpoints\.sns/,
      ],
      [{ uri: 'arn:aws:apigateway:us-east-1:s3:action/GetObject' }, /call s3 with the path\/ form/],
      [{ uri: 'https://example.com' }, /is not an AWS service action/],
    ];
    for (const [definition, problem] of cases) {
      assert.throws(
        () => build(definition),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.location.path === 'routes.a.integration.uri' &&
          problem.test(error.problem),
      );
    }
    assert.throws(
      () =>
        awsServiceIntegration(
          { type: 'AWS', uri: 'arn:aws:apigateway:us-east-1:sns:action/Publish' },
          {
            stageVariables: {},
            configPath: 'routes.a.integration',
            endpoints: { sns: 'http://127.0.0.1:9' },
            credentials: undefined,
          },
        ),
      /set awsServices\.credentials/,
    );
  });

  it('sends SNS Publish in the query protocol with the template as the form body', async () => {
    const recorder = await startAwsRecorder(credentials, () => ({
      contentType: 'text/xml',
      body: '<PublishResponse/>',
    }));
    const integration = build(
      {
        uri: 'arn:aws:apigateway:eu-central-1:sns:action/Publish',
        requestTemplates: {
          $default:
            'TopicArn=$util.urlEncode("arn:aws:sns:eu-central-1:000000000000:alerts")&Message=$util.urlEncode($input.body)',
        },
        responses: { '/2\\d\\d/': { template: '{"published":true}' } },
      },
      { sns: recorder.url },
    );
    const result = await integration.invoke({
      event: messageEvent(facts, 'alert', 'disk full', 'r1', 'm1', Date.now()),
      deadline: Date.now() + 5000,
    });
    assert.deepEqual(result, { statusCode: 200, body: '{"published":true}' });
    const call = await recorder.calls.nth(1);
    assert.equal(call.query.get('Action'), 'Publish');
    assert.equal(call.query.get('Version'), '2010-03-31');
    assert.deepEqual(call.scope, { service: 'sns', region: 'eu-central-1', accessKeyId: credentials.accessKeyId });
    assert.equal(call.signatureValid, true);
    assert.equal(new URLSearchParams(call.body).get('Message'), 'disk full');
  });

  for (const [service, action, target, contentType] of [
    ['kinesis', 'PutRecord', 'Kinesis_20131202.PutRecord', 'application/x-amz-json-1.1'],
    ['events', 'PutEvents', 'AWSEvents.PutEvents', 'application/x-amz-json-1.1'],
    ['states', 'StartSyncExecution', 'AWSStepFunctions.StartSyncExecution', 'application/x-amz-json-1.0'],
    ['dynamodb', 'GetItem', 'DynamoDB_20120810.GetItem', 'application/x-amz-json-1.0'],
  ] as const) {
    it(`sends ${service} ${action} in the JSON protocol (${target}, ${contentType}), signed for ${service}`, async () => {
      const recorder = await startAwsRecorder(credentials, () => ({ contentType, body: '{"ok":1}' }));
      const integration = build(
        {
          uri: `arn:aws:apigateway:ap-south-1:${service}:action/${action}`,
          requestTemplates: { $default: '{"Data":"$util.base64Encode($input.body)"}' },
        },
        { [service]: recorder.url },
      );
      const result = await integration.invoke({
        event: messageEvent(facts, 'put', 'x', 'r1', 'm1', Date.now()),
        deadline: Date.now() + 5000,
      });
      assert.deepEqual(result, { statusCode: 200, body: '{"ok":1}' });
      const call = await recorder.calls.nth(1);
      assert.equal(call.path, '/');
      assert.equal(call.headers['x-amz-target'], target);
      assert.equal(call.headers['content-type'], contentType);
      assert.deepEqual(call.scope, { service, region: 'ap-south-1', accessKeyId: credentials.accessKeyId });
      assert.equal(call.signatureValid, true);
      assert.deepEqual(JSON.parse(call.body), { Data: 'eA==' });
    });
  }

  it('sends the path form with mapped headers and query string, JSON by default, and selects responses by status', async () => {
    const recorder = await startAwsRecorder(credentials, (call) =>
      call.path.endsWith('/missing')
        ? { status: 404, contentType: 'application/json', body: '{"code":"NoSuchQueue"}' }
        : { contentType: 'application/json', body: '{}' },
    );
    const definition = {
      uri: 'arn:aws:apigateway:us-east-1:sqs:path/000000000000/jobs',
      requestParameters: {
        'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
        'integration.request.querystring.Action': "'SendMessage'",
        'integration.request.querystring.Note': "'a b+c*'",
      },
      requestTemplates: { $default: 'MessageBody=$util.urlEncode($context.connectionId)' },
      responses: { '/4\\d\\d/': { template: "failed: $input.path('$.code')" }, $default: { template: 'sent' } },
    };
    const event = connectEvent(
      facts,
      { headers: { Host: 'x' }, multiValueHeaders: { Host: ['x'] }, query: undefined },
      'r1',
      Date.now(),
    );
    const sent = await build(definition, { sqs: `${recorder.url}/base/` }).invoke({
      event,
      deadline: Date.now() + 5000,
    });
    assert.deepEqual(sent, { statusCode: 200, body: 'sent' });
    const call = await recorder.calls.nth(1);
    assert.equal(call.path, '/base/000000000000/jobs');
    assert.equal(call.query.get('Action'), 'SendMessage');
    assert.equal(call.rawQuery, 'Action=SendMessage&Note=a%20b%2Bc%2A');
    assert.equal(call.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(call.signatureValid, true);
    assert.equal(call.body, 'MessageBody=L0SM9cOFvHcCIhw%3D');

    const missing = build(
      { ...definition, uri: 'arn:aws:apigateway:us-east-1:sqs:path/000000000000/missing', requestParameters: {} },
      { sqs: recorder.url },
    );
    assert.deepEqual(await missing.invoke({ event, deadline: Date.now() + 5000 }), {
      statusCode: 404,
      body: 'failed: NoSuchQueue',
    });
    assert.equal((await recorder.calls.nth(2)).headers['content-type'], 'application/json');
  });
});
