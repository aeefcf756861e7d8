/**
 * serverless.yml (Serverless Framework v3) read as the app's own definition:
 * websocket events, the route selection expression, environment, variables and
 * the service's own CloudFormation resources.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { loadApp } from '../../src/app-definition/load-app.ts';
import { prepareApp } from '../../src/app-definition/serve-app.ts';
import { ConfigError } from '../../src/errors.ts';
import { type DefinitionErrorCase, itRejectsEachCase } from '../support/app-definition-errors.ts';
import { connect, handshakeStatus, startGateway } from '../support/gateway-harness.ts';
import { temporaryFolder } from '../support/temp-folder.ts';

const here = dirname(fileURLToPath(import.meta.url));
const service = join(here, '..', 'fixtures', 'apps', 'serverless-chat');
const config = join(service, 'serverless.yml');

describe('serverless.yml', () => {
  it('becomes the API the framework would deploy: routes, authorizer, route response, environment', async () => {
    const app = await loadApp(config);
    const { definition } = app;
    assert.equal(app.kind, 'serverless.yml');
    assert.equal(definition.stage, 'dev');
    assert.equal(definition.region, 'eu-west-1');
    assert.equal(definition.routeSelectionExpression, '$request.body.type');
    assert.deepEqual(Object.keys(definition.routes).sort(), ['$connect', '$disconnect', 'broadcast', 'whoami']);
    assert.deepEqual(definition.routes.$connect, {
      handler: `${join(service, 'handlers', 'connections.js')}#connect`,
      functionName: 'sls-chat-dev-connect',
      environment: { TABLE_NAME: 'sls-chat-dev-connections', GREETING: 'hello from dev' },
      timeoutInMillis: 10_000,
    });
    assert.equal(definition.routes.whoami?.routeResponse, true);
    assert.equal(definition.routes.broadcast?.routeResponse, undefined);
    assert.equal(definition.routes.whoami?.environment?.API_ID, definition.apiId, '!Ref WebsocketsApi is the API id');
    assert.deepEqual(definition.authorizer?.identitySource, ['route.request.header.X-Api-Key']);
    assert.deepEqual(definition.accessLog, { format: 'clf' });
    assert.ok(app.notices.includes('schedule events are not emulated: nightly'), app.notices.join('\n'));
    assert.ok(app.notices.some((notice) => notice.includes('serverless-offline')));
  });

  it('${opt:stage}, ${sls:stage}, ${env:...} and nested variables follow --stage and the environment', async () => {
    process.env.CHAT_GREETING = 'hi from the shell';
    after(() => {
      delete process.env.CHAT_GREETING;
    });
    const { definition } = await loadApp(config, { stage: 'prod', region: 'us-west-2' });
    assert.equal(definition.stage, 'prod');
    assert.equal(definition.region, 'us-west-2');
    assert.deepEqual(definition.routes.$connect?.environment, {
      TABLE_NAME: 'sls-chat-prod-connections',
      GREETING: 'hi from the shell',
    });
    assert.equal(definition.routes.$connect?.functionName, 'sls-chat-prod-connect');
  });
});

describe('the serverless.yml chat, served with its DynamoDB table', { timeout: 120_000 }, () => {
  it("runs CommonJS handlers on the AWS SDK v2 against DynamoDB Local and the API's AWS host name", async () => {
    const prepared = await prepareApp(config, { inMemory: true });
    after(() => prepared.close());
    const { url } = await startGateway(prepared.definition, { baseDir: prepared.app.baseDir });
    assert.equal(await handshakeStatus(url), 401, 'no X-Api-Key: refused');
    const client = await connect(url, { headers: { 'X-Api-Key': 'open-sesame' } });
    client.send({ type: 'whoami' });
    assert.deepEqual(JSON.parse(await client.next(10_000)), {
      principalId: 'key-holder',
      greeting: 'hello from dev',
      apiId: prepared.definition.apiId,
      table: 'sls-chat-dev-connections',
    });
    const dynamodb = new DynamoDBClient({
      endpoint: String(prepared.definition.environment?.AWS_ENDPOINT_URL_DYNAMODB),
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    after(() => dynamodb.destroy());
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: 'sls-chat-dev-connections' }));
    assert.equal(Items.length, 1, 'the v2 DocumentClient of $connect wrote to DynamoDB Local');
    // broadcast posts through https://<apiId>.execute-api.<region>.amazonaws.com/<stage> with the SDK v2.
    const other = await connect(url, { headers: { 'X-Api-Key': 'open-sesame' } });
    other.send({ type: 'broadcast', text: 'hello, everyone' });
    assert.equal(await client.next(10_000), 'hello, everyone');
    assert.equal(await other.next(10_000), 'hello, everyone');
    await other.close();
    await client.close();
  });
});

const BASE = `service: svc
provider:
  name: aws
  runtime: nodejs20.x
functions:
  hello:
    handler: app.handler
    events:
      - websocket: $default
`;

const cases: DefinitionErrorCase[] = [
  {
    name: 'a variable without a value',
    text: BASE.replace('runtime: nodejs20.x', 'runtime: nodejs20.x\n  environment:\n    X: ${self:custom.missing}'),
    path: 'provider.environment.X',
    problem: /\$\{self:custom\.missing\} has no value: set it, or add a fallback/,
  },
  {
    name: 'an SSM variable without a fallback',
    text: BASE.replace('runtime: nodejs20.x', 'runtime: nodejs20.x\n  environment:\n    X: ${ssm:/app/key}'),
    problem: /\$\{ssm:\/app\/key\} cannot be resolved locally .* add a fallback/,
  },
  {
    name: 'variables in a loop',
    text: `custom:\n  a: \${self:custom.b}\n  b: \${self:custom.a}\n${BASE.replace('runtime: nodejs20.x', 'runtime: nodejs20.x\n  environment:\n    X: ${self:custom.a}')}`,
    problem: /refers back to itself|in a loop/,
  },
  {
    name: 'a mapping inside text',
    text: `custom:\n  obj: { a: 1 }\n${BASE.replace('runtime: nodejs20.x', 'runtime: nodejs20.x\n  environment: { X: "v-${self:custom.obj}" }')}`,
    problem: /is inside text, so it must give text or a number, not a mapping/,
  },
  {
    name: 'a provider other than aws',
    text: BASE.replace('name: aws', 'name: azure'),
    path: 'provider',
    problem: /provider\.name must be aws/,
  },
  {
    name: 'no websocket event',
    text: BASE.replace('      - websocket: $default', '      - http: GET /'),
    path: 'functions',
    problem: /no function has a websocket event/,
  },
  {
    name: 'a websocket event without a route',
    text: BASE.replace('- websocket: $default', '- websocket: { routeResponseSelectionExpression: $default }'),
    path: 'functions.hello.events[0].websocket',
    problem: /a websocket event names its route/,
  },
  {
    name: 'an authorizer on a message route',
    text: BASE.replace('- websocket: $default', '- websocket: { route: $default, authorizer: hello }'),
    path: 'functions.hello.events[0].websocket.authorizer',
    problem: /only the \$connect route can have an authorizer/,
  },
  {
    name: 'an authorizer ARN from another service',
    text: BASE.replace(
      '- websocket: $default',
      '- websocket: $default\n      - websocket: { route: $connect, authorizer: "arn:aws:lambda:us-east-1:1:function:other" }',
    ),
    problem: /invokes arn:aws:lambda:us-east-1:1:function:other, which is not a function of this template/,
  },
  {
    name: 'a Python function',
    text: BASE.replace('runtime: nodejs20.x', 'runtime: python3.12'),
    path: 'provider.runtime',
    problem: /runtime python3\.12 cannot run here/,
  },
  {
    name: 'a handler file that does not exist',
    text: BASE.replace('handler: app.handler', 'handler: src/missing.handler'),
    path: 'functions.hello.handler',
    problem: /Handler "src\/missing\.handler": none of src\/missing\.js/,
  },
];

describe('serverless.yml errors', () => {
  const folder = temporaryFolder('switchboard-serverless-errors-', {
    'svc/app.js': 'exports.handler = async () => ({ statusCode: 200 });\n',
  });

  itRejectsEachCase(() => join(folder(), 'svc'), 'serverless.yml', BASE, cases);

  it('a Ref in resources to nothing names the resource in resources', async () => {
    const file = join(folder(), 'svc', 'bad-ref.yml');
    await writeFile(
      file,
      `${BASE.replace('handler: app.handler', 'handler: app.handler\n    environment: { T: !Ref Table }')}resources:\n  Resources:\n    Table:\n      Type: AWS::DynamoDB::Table\n      Properties: { TableName: !Ref Nope }\n`,
    );
    await assert.rejects(
      loadApp(file),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.location.path === 'resources.Resources.Table.Properties.TableName.Ref' &&
        error.location.line === 15 &&
        /Ref to "Nope"/.test(error.problem),
    );
  });
});

describe('serverless.yml with non-proxy integrations in resources', () => {
  // The framework's websocket events are Lambda proxy routes; other integrations are
  // declared in `resources` on its WebsocketsApi, as the framework's users do.
  const folder = temporaryFolder('switchboard-serverless-mock-', {
    'svc/app.js': 'exports.handler = async () => ({ statusCode: 200 });\n',
    'svc/serverless.yml': `${BASE}resources:
  Resources:
    StatusRoute:
      Type: AWS::ApiGatewayV2::Route
      Properties:
        ApiId: !Ref WebsocketsApi
        RouteKey: status
        RouteResponseSelectionExpression: $default
        Target: !Join ['/', [integrations, !Ref StatusIntegration]]
    StatusRouteResponse:
      Type: AWS::ApiGatewayV2::RouteResponse
      Properties: { ApiId: !Ref WebsocketsApi, RouteId: !Ref StatusRoute, RouteResponseKey: $default }
    StatusIntegration:
      Type: AWS::ApiGatewayV2::Integration
      Properties:
        ApiId: !Ref WebsocketsApi
        IntegrationType: MOCK
        RequestTemplates: { $default: '{"statusCode": 200}' }
    StatusResponse:
      Type: AWS::ApiGatewayV2::IntegrationResponse
      Properties:
        ApiId: !Ref WebsocketsApi
        IntegrationId: !Ref StatusIntegration
        IntegrationResponseKey: $default
        ResponseTemplates: { $default: '{"status":"up","stage":"$context.stage"}' }
`,
  });

  it('serves a MOCK route declared on WebsocketsApi beside the functions', async () => {
    const app = await loadApp(join(folder(), 'svc', 'serverless.yml'));
    assert.deepEqual(Object.keys(app.definition.routes).sort(), ['$default', 'status']);
    const { url } = await startGateway(app.definition, { baseDir: app.baseDir });
    const client = await connect(url);
    client.send({ action: 'status' });
    assert.deepEqual(JSON.parse(await client.next(5000)), { status: 'up', stage: 'dev' });
    await client.close();
  });
});
