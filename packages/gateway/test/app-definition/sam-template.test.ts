/**
 * SAM and CloudFormation templates read as the app's own definition: the
 * `AWS::ApiGatewayV2::*` resources and SAM's `AWS::Serverless::WebSocketApi`
 * become routes, models, an authorizer and a stage, with the functions they
 * invoke; what the gateway does not emulate is named.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadApp } from '../../src/app-definition/load-app.ts';
import { connect, handshakeStatus, startGateway } from '../support/gateway-harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const apps = join(here, '..', 'fixtures', 'apps');
const samChat = join(apps, 'sam-chat', 'template.yaml');
const samWebSocketApi = join(apps, 'sam-websocket-api', 'template.yaml');
const _bin = join(here, '..', '..', 'bin', 'switchboard.mjs');

describe('a SAM template with AWS::ApiGatewayV2 resources', () => {
  it('becomes routes with their functions, model, route response, authorizer and stage', async () => {
    const app = await loadApp(samChat);
    const { definition } = app;
    const src = join(apps, 'sam-chat', 'src');
    assert.equal(app.kind, 'SAM template');
    assert.equal(app.baseDir, join(apps, 'sam-chat'));
    assert.match(definition.apiId ?? '', /^[a-z0-9]{10}$/);
    assert.equal(definition.stage, 'dev');
    assert.equal(definition.routeSelectionExpression, '$request.body.action');
    assert.deepEqual(Object.keys(definition.routes).sort(), ['$connect', '$disconnect', 'sendmessage']);
    // Globals.Function's variables merge with the function's own; !Ref of a table is its name.
    assert.deepEqual(definition.routes.$connect, {
      handler: `${join(src, 'connect.mjs')}#handler`,
      functionName: 'sam-chat-ConnectFunction',
      environment: { CONNECTIONS_TABLE: 'sam-chat-ConnectionsTable', ROOM: 'lobby' },
      timeoutInMillis: 10_000,
    });
    const send = definition.routes.sendmessage;
    assert.equal(send?.routeResponse, true);
    assert.equal(send?.timeoutInMillis, 5000, "the integration's TimeoutInMillis, shorter than the function's");
    assert.deepEqual(send?.model?.required, ['action', 'text']);
    assert.equal(definition.routes.$disconnect?.routeResponse, undefined);
    assert.deepEqual(definition.authorizer, {
      handler: `${join(src, 'authorizer.mjs')}#handler`,
      functionName: 'sam-chat-AuthorizerFunction',
      identitySource: ['route.request.querystring.token'],
      environment: { CONNECTIONS_TABLE: 'sam-chat-ConnectionsTable' },
    });
    assert.deepEqual(definition.throttling, { burstLimit: 50, rateLimit: 100 });
    assert.match(definition.accessLog?.format ?? '', /^\{"requestId":"\$context\.requestId",/);
  });

  it('names what it does not emulate, once per type, and leaves out resources whose condition is false', async () => {
    const { notices } = await loadApp(samChat);
    assert.ok(notices.includes('not emulated: AWS::SQS::Queue (ModerationQueue)'), notices.join('\n'));
    assert.ok(!notices.some((notice) => notice.includes('ConnectionsTable')), 'tables are created locally');
    assert.ok(!notices.some((notice) => notice.includes('AlarmTopic')), 'IsProd is false: no topic');
    for (const quiet of ['AWS::Lambda::Permission', 'AWS::Logs::LogGroup', 'AWS::ApiGatewayV2::Deployment']) {
      assert.ok(!notices.some((notice) => notice.includes(quiet)), `${quiet} has no local effect`);
    }
  });

  it('takes --parameter-overrides: values, conditions and mappings follow them', async () => {
    const app = await loadApp(samChat, { parameterOverrides: { StageName: 'prod', RoomName: 'hall' } });
    assert.equal(app.definition.stage, 'prod');
    assert.deepEqual(app.definition.throttling, { burstLimit: 500, rateLimit: 1000 });
    assert.equal(app.definition.routes.sendmessage?.environment?.ROOM, 'hall');
    assert.ok(app.notices.includes('not emulated: AWS::SNS::Topic (AlarmTopic)'), app.notices.join('\n'));
  });

  it('uses --region for AWS::Region and the ARNs built from it', async () => {
    const app = await loadApp(samChat, { region: 'eu-west-1' });
    assert.equal(app.definition.region, 'eu-west-1');
  });
});

describe('AWS::Serverless::WebSocketApi', () => {
  it('expands to the API, stage, routes, integrations and authorizer SAM generates', async () => {
    const { definition } = await loadApp(samWebSocketApi);
    assert.equal(definition.stage, 'live');
    assert.deepEqual(Object.keys(definition.routes).sort(), ['$connect', '$default', 'whoami']);
    assert.equal(definition.routes.$default?.timeoutInMillis, 15_000);
    assert.deepEqual(
      definition.authorizer?.identitySource,
      [],
      'no IdentitySource: the authorizer runs on every handshake',
    );
    assert.match(String(definition.authorizer?.handler), /index\.js#handler$/, 'inline code');
  });

  it("serves it: the authorizer runs without identity sources; handlers reach @connections by domainName and by the API's AWS host name", async () => {
    const app = await loadApp(samWebSocketApi);
    const { url } = await startGateway(app.definition, { baseDir: app.baseDir });
    assert.equal(await handshakeStatus(url), 401, 'the authorizer refuses a handshake without the header');
    const client = await connect(url, { headers: { 'x-gate': 'open' } });
    client.send('hello');
    assert.equal(await client.next(10_000), 'echo: hello');
    // The handler calls https://<apiId>.execute-api.<region>.amazonaws.com/<stage> with the SDK v3.
    client.send({ action: 'whoami' });
    assert.equal(await client.next(10_000), 'you came from 127.0.0.1');
    await client.close();
  });
});
