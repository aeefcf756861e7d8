/**
 * The CDK app, synthesized in-process (`Template.fromStack`) and through the CDK
 * CLI, without AWS credentials. The expectations come from the chat's own
 * descriptions (API definition, request models, table design, HTTP routes), so
 * a route or model added to the chat must appear here without editing this file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requestModels } from '@switchboard/chat/api';
import { type ChatRouteKey, chatRouteKeys } from '@switchboard/chat/definition';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { chatApiDefinition, chatTable, HttpRoute, LambdaEnvironment } from '../src/chat-sources.ts';
import { ChatStack } from '../src/chat-stack.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

const infraDir = fileURLToPath(new URL('..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'chat-stack-'));
const webRoot = join(workDir, 'web');
after(() => rmSync(workDir, { recursive: true, force: true }));

/** The route keys and models the chat defines, read through the same function the stack uses. */
const definition = chatApiDefinition({
  authorizer: 'authorizer',
  routes: Object.fromEntries(chatRouteKeys.map((key) => [key, key])) as Record<ChatRouteKey, string>,
});

describe('ChatStack', () => {
  let template: Template;
  let resources: Record<string, Resource>;
  let assemblyDir: string;

  before(() => {
    writeFileSync(join(mkdirp(webRoot), 'index.html'), '<!doctype html><title>chat</title>');
    const app = new App({ outdir: join(workDir, 'cdk.out') });
    const stack = new ChatStack(app, 'Test', { webRoot, env: { account: '123456789012', region: 'eu-west-1' } });
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
    assemblyDir = app.synth().directory;
  });

  const ofType = (type: string): Array<[string, Resource]> =>
    Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const webSocketApiId = (): string =>
    ofType('AWS::ApiGatewayV2::Api').find(([, api]) => api.Properties.ProtocolType === 'WEBSOCKET')![0];

  it('is a WebSocket API routed on the definition’s selection expression', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
    assert.equal(definition.routeSelectionExpression, '$request.body.action');
  });

  it('has a route for every route of the chat’s definition, each with its model', () => {
    const apiId = webSocketApiId();
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, route]) => isRef(route.Properties.ApiId, apiId));
    assert.deepEqual(
      routes.map(([, route]) => route.Properties.RouteKey).sort(),
      Object.keys(definition.routes).sort(),
    );
    const models = new Map(
      ofType('AWS::ApiGatewayV2::Model').map(([id, model]) => [model.Properties.Name as string, { id, model }]),
    );
    for (const [, route] of routes) {
      const key = route.Properties.RouteKey as keyof typeof definition.routes;
      const expected = definition.routes[key];
      assert.equal(route.Properties.RouteResponseSelectionExpression, expected.routeResponse ? '$default' : undefined);
      if (!expected.model) {
        assert.equal(route.Properties.RequestModels, undefined, key);
        continue;
      }
      assert.equal(route.Properties.ModelSelectionExpression, '$request.body.action', key);
      const name = (route.Properties.RequestModels as Record<string, string>).$default!;
      const found = models.get(name);
      assert.ok(found, `model ${name} of ${key}`);
      assert.deepEqual(found.model.Properties.Schema, expected.model, key);
      assert.ok(route.DependsOn?.includes(found.id), `${key} waits for its model`);
      if (key in requestModels) assert.deepEqual(found.model.Properties.Schema, requestModels[key as 'ping']);
    }
  });

  it('runs the REQUEST authorizer on $connect only, with the token identity source', () => {
    const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
    assert.equal(authorizers.length, 1);
    const [authorizerId, authorizer] = authorizers[0]!;
    assert.equal(authorizer.Properties.AuthorizerType, 'REQUEST');
    assert.deepEqual(authorizer.Properties.IdentitySource, ['route.request.querystring.token']);
    assert.deepEqual(authorizer.Properties.IdentitySource, definition.authorizer.identitySource);
    const authorized = ofType('AWS::ApiGatewayV2::Route').filter(
      ([, route]) => route.Properties.AuthorizationType === 'CUSTOM',
    );
    assert.deepEqual(
      authorized.map(([, route]) => route.Properties.RouteKey),
      ['$connect'],
    );
    assert.ok(isRef(authorized[0]![1].Properties.AuthorizerId, authorizerId));
  });

  it('throttles the stage and writes JSON access logs with the account’s CloudWatch role', () => {
    const stages = ofType('AWS::ApiGatewayV2::Stage').filter(([, stage]) =>
      isRef(stage.Properties.ApiId, webSocketApiId()),
    );
    assert.equal(stages.length, 1);
    const [, stage] = stages[0]!;
    assert.equal(stage.Properties.StageName, definition.stage);
    assert.deepEqual(stage.Properties.DefaultRouteSettings, { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 });
    const logs = stage.Properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const format = JSON.parse(logs.Format) as Record<string, string>;
    assert.equal(format.requestId, '$context.requestId');
    assert.equal(format.connectionId, '$context.connectionId');
    assert.equal(format.routeKey, '$context.routeKey');
    assert.equal(format.status, '$context.status');
    const [logGroupId] = (logs.DestinationArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    assert.equal(resources[logGroupId]?.Type, 'AWS::Logs::LogGroup');

    const [[accountId, account]] = ofType('AWS::ApiGateway::Account') as [[string, Resource]];
    assert.ok(stage.DependsOn?.includes(accountId), 'the stage waits for the account setting');
    const [roleId] = (account.Properties.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
      }),
    });
    assert.match(
      JSON.stringify(resources[roleId]?.Properties.ManagedPolicyArns),
      /AmazonAPIGatewayPushToCloudWatchLogs/,
    );
  });

  it('creates the table of the store’s design, with TTL and a stream', () => {
    const [[, table]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    assert.deepEqual(table.Properties.KeySchema, [
      { AttributeName: chatTable.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: chatTable.sortKey.name, KeyType: 'RANGE' },
    ]);
    assert.deepEqual(table.Properties.TimeToLiveSpecification, {
      AttributeName: chatTable.timeToLiveAttribute,
      Enabled: true,
    });
    assert.deepEqual(table.Properties.StreamSpecification, { StreamViewType: chatTable.stream });
    assert.equal(table.Properties.BillingMode, chatTable.billingMode);
    const indexes = table.Properties.GlobalSecondaryIndexes as Array<Record<string, unknown>>;
    assert.deepEqual(
      indexes.map((index) => [index.IndexName, index.Projection]),
      chatTable.globalSecondaryIndexes.map((index) => [
        index.indexName,
        { ProjectionType: index.projection.type, NonKeyAttributes: [...index.projection.nonKeyAttributes] },
      ]),
    );
  });

  it('grants each function this table and this API’s connections only', () => {
    const [[tableId]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    const apiId = webSocketApiId();
    let manageConnections = 0;
    for (const [policyId, policy] of ofType('AWS::IAM::Policy')) {
      const document = policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> };
      for (const statement of document.Statement) {
        const actions = [statement.Action].flat() as string[];
        const resourcesOf = [statement.Resource].flat();
        if (actions.some((action) => action.startsWith('dynamodb:'))) {
          assert.ok(!actions.includes('dynamodb:Scan') && !actions.includes('dynamodb:*'), `${policyId}: ${actions}`);
          for (const resource of resourcesOf) {
            assert.notEqual(resource, '*', policyId);
            assert.match(JSON.stringify(resource), new RegExp(`"${tableId}"`), policyId);
          }
        }
        if (actions.some((action) => action.startsWith('execute-api:'))) {
          assert.deepEqual(actions, ['execute-api:ManageConnections'], policyId);
          assert.equal(resourcesOf.length, 1, policyId);
          const arn = JSON.stringify(resourcesOf[0]);
          assert.match(arn, new RegExp(`"Ref":"${apiId}"`), policyId);
          assert.match(arn, new RegExp(`/${definition.stage}/POST/@connections/\\*`), policyId);
          manageConnections++;
        }
      }
    }
    // Every route function and the HTTP API function post; the authorizer does not.
    assert.equal(manageConnections, Object.keys(definition.routes).length + 1);
    const authorizerPolicy = policyOfFunctionWithEntry('authorizer');
    assert.deepEqual(
      authorizerPolicy.Statement.map((statement) => statement.Action),
      ['dynamodb:GetItem'],
    );
  });

  it('bundles every function into an asset that exports `handler`', () => {
    const functions = chatFunctions();
    assert.equal(functions.length, Object.keys(definition.routes).length + 2);
    for (const [id, fn] of functions) {
      assert.equal(fn.Properties.Handler, 'index.handler', id);
      assert.equal(fn.Properties.Runtime, 'nodejs22.x', id);
      const key = (fn.Properties.Code as { S3Key: string }).S3Key;
      const assetDir = join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`);
      const bundle = join(assetDir, 'index.mjs');
      assert.ok(existsSync(bundle), `${id}: ${bundle}`);
      assert.match(readFileSync(bundle, 'utf8'), /export\s*\{[^}]*\bhandler\b[^}]*\}/, id);
    }
  });

  it('passes the table, the token secret and (to the HTTP function) the @connections URL', () => {
    for (const [id, fn] of chatFunctions()) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      assert.match(JSON.stringify(variables[LambdaEnvironment.tableName]), /ChatTable/, id);
      assert.match(JSON.stringify(variables[LambdaEnvironment.tokenSecret]), /resolve:secretsmanager/, id);
    }
    const http = chatFunctions().find(([id]) => id.startsWith('HttpApiFunction'))!;
    const variables = (http[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    assert.match(JSON.stringify(variables[LambdaEnvironment.connectionsUrl]), /https:\/\/.*execute-api.*\/ws/);
  });

  it('serves the HTTP endpoints from an HTTP API with CORS for the web origin', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, route]) =>
      String(route.Properties.RouteKey).startsWith('POST '),
    );
    assert.deepEqual(
      routes.map(([, route]) => route.Properties.RouteKey).sort(),
      Object.values(HttpRoute)
        .map((path) => `POST ${path}`)
        .sort(),
    );
    const http = ofType('AWS::ApiGatewayV2::Api').find(([, api]) => api.Properties.ProtocolType === 'HTTP')![1];
    const cors = http.Properties.CorsConfiguration as { AllowOrigins: unknown[]; AllowHeaders: string[] };
    assert.match(JSON.stringify(cors.AllowOrigins), /DomainName/);
    assert.ok(cors.AllowHeaders.includes('authorization'));
  });

  it('keeps the web bucket private, readable by CloudFront only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const [[, bucketPolicy]] = ofType('AWS::S3::BucketPolicy') as [[string, Resource]];
    const statements = (bucketPolicy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> })
      .Statement;
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      assert.notEqual(statement.Principal, '*');
      assert.notDeepEqual(statement.Principal, { AWS: '*' });
    }
    assert.ok(
      statements.some(
        (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudfront.amazonaws.com' }) && s.Condition,
      ),
    );
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ DefaultRootObject: 'index.html' }),
    });
  });

  it('deploys the client with a config.json beside it', () => {
    const [[, deployment]] = ofType('Custom::CDKBucketDeployment') as [[string, Resource]];
    assert.equal((deployment.Properties.SourceObjectKeys as unknown[]).length, 2);
    const markers = JSON.stringify(deployment.Properties.SourceMarkers);
    assert.match(markers, /WebSocket/);
    assert.match(markers, /Http/);
  });

  it('outputs the web, WebSocket and HTTP API URLs', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.match(JSON.stringify(outputs.WebUrl?.Value), /https:\/\/.*DomainName/);
    assert.match(JSON.stringify(outputs.WebSocketUrl?.Value), /wss:\/\/.*\/ws/);
    assert.match(JSON.stringify(outputs.HttpApiUrl?.Value), /Http.*ApiEndpoint/);
  });

  /** The Lambda functions built from the chat's entry modules (not CDK's own helpers). */
  function chatFunctions(): Array<[string, Resource]> {
    return ofType('AWS::Lambda::Function').filter(
      ([, fn]) =>
        (fn.Properties.Environment as { Variables?: object } | undefined)?.Variables !== undefined &&
        LambdaEnvironment.tableName in (fn.Properties.Environment as { Variables: object }).Variables,
    );
  }

  function policyOfFunctionWithEntry(idPrefix: string): { Statement: Array<Record<string, unknown>> } {
    const lower = idPrefix.toLowerCase();
    const [, policy] = ofType('AWS::IAM::Policy').find(([id]) => id.toLowerCase().startsWith(lower))!;
    return policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> };
  }
});

describe('cdk synth (CLI)', () => {
  it('synthesizes the app without AWS credentials', async () => {
    const out = join(workDir, 'cli.out');
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_')),
    );
    const child = spawn(
      process.execPath,
      [
        join(infraDir, '../../node_modules/aws-cdk/bin/cdk'),
        'synth',
        '--no-notices',
        '--quiet',
        '-c',
        `webRoot=${webRoot}`,
        '-o',
        out,
      ],
      {
        cwd: infraDir,
        env: { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
    assert.equal(code, 0, output);
    const synthesized = JSON.parse(readFileSync(join(out, 'SwitchboardChat.template.json'), 'utf8'));
    assert.ok(
      Object.values(synthesized.Resources as Record<string, Resource>).some(
        (resource) => resource.Type === 'AWS::ApiGatewayV2::Api' && resource.Properties.ProtocolType === 'WEBSOCKET',
      ),
    );
  });
});

function isRef(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value) === JSON.stringify({ Ref: logicalId });
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
