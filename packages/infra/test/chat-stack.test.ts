/**
 * The chat stack, synthesized in-process (`Template.fromStack`); the functions'
 * bundles are checked by function-bundles.test.ts. The expectations come from the chat's own
 * descriptions (API definition, request models, table design, HTTP routes), so
 * a route or model added to the chat must appear here without editing this file.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { requestModels } from '@switchboard/chat/api';
import { type ChatRouteKey, chatRouteKeys } from '@switchboard/chat/definition';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  type ChatFunctionName,
  chatApiDefinition,
  chatTable,
  functionAccess,
  HttpRoute,
  LambdaEnvironment,
} from '../src/chat-sources.ts';
import { routeName } from '../src/websocket-api.ts';
import {
  buildTestApp,
  isRef,
  type PolicyStatementJson,
  type Resource,
  roleOf,
  roleStatements,
} from './infra-harness.ts';

/** The route keys and models the chat defines, read through the same function the stack uses. */
const definition = chatApiDefinition({
  authorizer: 'authorizer',
  routes: Object.fromEntries(chatRouteKeys.map((key) => [key, key])) as Record<ChatRouteKey, string>,
});

describe('ChatStack', () => {
  let template: Template;
  let resources: Record<string, Resource>;
  const built = buildTestApp();

  before(() => {
    template = Template.fromStack(built.chat);
    resources = template.toJSON().Resources;
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

  it('invokes each route’s own function with one API Gateway role that may invoke exactly those, within 500 resources', () => {
    const apiId = webSocketApiId();
    const integrations = ofType('AWS::ApiGatewayV2::Integration').filter(([, i]) => isRef(i.Properties.ApiId, apiId));
    const roles = new Set(integrations.map(([, i]) => JSON.stringify(i.Properties.CredentialsArn)));
    assert.equal(roles.size, 1, [...roles].join(' '));
    const [roleId] = (integrations[0]![1].Properties.CredentialsArn as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ];
    assert.match(JSON.stringify(resources[roleId]!.Properties.AssumeRolePolicyDocument), /apigateway\.amazonaws\.com/);
    const invoked = integrations.map(
      ([, i]) => /"([A-Za-z0-9]+)","Arn"/.exec(JSON.stringify(i.Properties.IntegrationUri))?.[1],
    );
    assert.equal(integrations.length, Object.keys(definition.routes).length);
    const [, policy] = ofType('AWS::IAM::Policy').find(([, p]) =>
      (p.Properties.Roles as unknown[]).some((ref) => isRef(ref, roleId)),
    )!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    assert.equal(statements.length, 1);
    assert.equal(statements[0]!.Action, 'lambda:InvokeFunction');
    const allowed = [statements[0]!.Resource]
      .flat()
      .map((resource) => (resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
    assert.deepEqual([...allowed].sort(), [...new Set(invoked)].sort());
    // No resource policy on the route functions: the role is the only way in.
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      allowed.some((fnId) => JSON.stringify(p.Properties.FunctionName).includes(fnId)),
    );
    assert.deepEqual(
      permissions.map(([id]) => id),
      [],
    );
    assert.ok(Object.keys(resources).length <= 500, `${Object.keys(resources).length} resources`);
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

  it('throttles the stage and writes JSON access logs', () => {
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

    assert.equal(resources[logGroupId]?.Type, 'AWS::Logs::LogGroup');
    // The region's CloudWatch role is not this stack's (api-gateway-account.test.ts).
    assert.equal(ofType('AWS::ApiGateway::Account').length, 0);
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

  it('grants each function exactly the table actions, indexes, posts and secret its entry point uses', () => {
    const [[tableId]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    const [[secretId]] = ofType('AWS::SecretsManager::Secret') as [[string, Resource]];
    const apiId = webSocketApiId();
    const named = functionsByName();
    assert.deepEqual([...named.keys()].sort(), Object.keys(functionAccess).sort());
    for (const [name, [id]] of named) {
      const access = functionAccess[name];
      const statements = policyOf(id);
      const table = statements.filter(
        (statement) => String(statement.Action).includes('dynamodb:') && !isStreamRead(statement),
      );
      if (access.table.length === 0) {
        assert.equal(table.length, 0, name);
      } else {
        assert.equal(table.length, 1, name);
        assert.deepEqual(
          [table[0]!.Action].flat().sort(),
          access.table.map((action) => `dynamodb:${action}`).sort(),
          name,
        );
        const resources = [table[0]!.Resource].flat().map((resource) => JSON.stringify(resource));
        assert.deepEqual(resources[0], JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }), name);
        // Indexes by name, as the store's design lists them, never `index/*`; only for functions that query them.
        const indexes = resources.slice(1).map((resource) => /\/index\/([^"]+)"/.exec(resource)?.[1]);
        assert.deepEqual(
          indexes,
          access.indexes ? chatTable.globalSecondaryIndexes.map((index) => index.indexName) : [],
          name,
        );
      }
      const connections = statements.filter((statement) => String(statement.Action).includes('execute-api:'));
      const methods = [...(access.postToConnections ? ['POST'] : []), ...(access.closeConnections ? ['DELETE'] : [])];
      assert.equal(connections.length, methods.length > 0 ? 1 : 0, name);
      for (const statement of connections) {
        assert.deepEqual(statement.Action, 'execute-api:ManageConnections', name);
        const arns = [statement.Resource].flat().map((resource) => JSON.stringify(resource));
        for (const arn of arns) assert.match(arn, new RegExp(`"Ref":"${apiId}"`), name);
        assert.deepEqual(
          arns.map((arn) => new RegExp(`/${definition.stage}/(\\w+)/@connections/\\*`).exec(arn)?.[1]),
          methods,
          name,
        );
      }
      const secrets = statements.filter((statement) => String(statement.Action).includes('secretsmanager:'));
      assert.deepEqual(
        secrets.map((statement) => [statement.Action, statement.Resource]),
        access.tokenKeys ? [['secretsmanager:GetSecretValue', { Ref: secretId }]] : [],
        name,
      );
    }
  });

  it('indexes search from the table stream: message items only, bounded retries, failures kept in an encrypted queue', () => {
    const [[tableId]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    const [indexerId] = functionsByName().get('searchIndexer')!;
    const [[queueId, queue]] = ofType('AWS::SQS::Queue') as [[string, Resource]];
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping') as [[string, Resource]];
    assert.deepEqual(mapping.Properties.FunctionName, { Ref: indexerId });
    assert.deepEqual(mapping.Properties.EventSourceArn, { 'Fn::GetAtt': [tableId, 'StreamArn'] });
    assert.equal(mapping.Properties.StartingPosition, 'TRIM_HORIZON');
    assert.equal(mapping.Properties.BatchSize, 100);
    assert.equal(mapping.Properties.BisectBatchOnFunctionError, true);
    assert.equal(mapping.Properties.MaximumRetryAttempts, 10);
    assert.equal(mapping.Properties.MaximumRecordAgeInSeconds, 24 * 60 * 60);
    assert.deepEqual(mapping.Properties.DestinationConfig, {
      OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    const [filter] = (mapping.Properties.FilterCriteria as { Filters: Array<{ Pattern: string }> }).Filters;
    assert.deepEqual(JSON.parse(filter!.Pattern), {
      dynamodb: { Keys: { pk: { S: [{ prefix: 'ROOM#' }] }, sk: { S: [{ prefix: 'MSG#' }] } } },
    });
    assert.equal(queue.Properties.SqsManagedSseEnabled, true);
    assert.equal(queue.Properties.MessageRetentionPeriod, 14 * 24 * 60 * 60);
    // Stream reads on this table's stream only (ListStreams has no resource-level permissions).
    const streamReads = policyOf(indexerId).filter(isStreamRead);
    assert.deepEqual(
      streamReads.map((statement) => [[statement.Action].flat().sort(), statement.Resource]),
      [
        [['dynamodb:ListStreams'], '*'],
        [
          ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          { 'Fn::GetAtt': [tableId, 'StreamArn'] },
        ],
      ],
    );
    for (const [name, [id]] of functionsByName()) {
      if (name !== 'searchIndexer') assert.deepEqual(policyOf(id).filter(isStreamRead), [], name);
    }
  });

  it('keeps every secret out of the functions’ environment: the two that need the key get the secret’s ARN', () => {
    for (const [name, [id, fn]] of functionsByName()) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const text = JSON.stringify(variables);
      assert.doesNotMatch(text, /resolve:secretsmanager|SecretString/, name);
      assert.equal(variables[LambdaEnvironment.tokenSecret], undefined, name);
      const access = functionAccess[name];
      assert.equal(LambdaEnvironment.tokenSecretArn in variables, access.tokenKeys, name);
      assert.equal(LambdaEnvironment.tableName in variables, access.store, `${name} ${id}`);
      if (access.store) assert.match(JSON.stringify(variables[LambdaEnvironment.tableName]), /ChatTable/);
    }
    const [, http] = functionsByName().get('httpApi')!;
    const variables = (http.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    assert.match(JSON.stringify(variables[LambdaEnvironment.connectionsUrl]), /https:\/\/.*execute-api.*\/ws/);
  });

  it('names the server admins of -c chatAdmins to every function, and none without it', () => {
    // The chat's functions: those the table is named to (the key rotation function runs no chat code).
    const adminsOf = (stackResources: Record<string, Resource>) =>
      Object.values(stackResources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map((fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables)
        .filter((variables) => variables?.[LambdaEnvironment.tableName] !== undefined)
        .map((variables) => variables?.[LambdaEnvironment.serverAdmins]);
    assert.ok(adminsOf(resources).every((admins) => admins === undefined));
    const withAdmins = buildTestApp({ context: { chatAdmins: 'alice, bob' } });
    const named = adminsOf(Template.fromStack(withAdmins.chat).toJSON().Resources);
    assert.ok(named.length > 2);
    assert.ok(named.every((admins) => admins === 'alice,bob'));
  });

  it('rotates the token secret every 30 days with the chat’s rotation function', () => {
    const [[, schedule]] = ofType('AWS::SecretsManager::RotationSchedule') as [[string, Resource]];
    assert.deepEqual(schedule.Properties.RotationRules, { ScheduleExpression: 'rate(30 days)' });
    const [rotationId] = (schedule.Properties.RotationLambdaARN as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    assert.match(rotationId, /^TokenKeyRotation/);
    const statements = policyOf(rotationId);
    const secretActions = statements
      .filter((statement) => String(statement.Action).includes('secretsmanager:'))
      .flatMap((statement) => [statement.Action].flat())
      .sort();
    assert.deepEqual(secretActions, [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetRandomPassword',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    assert.ok(!statements.some((statement) => String(statement.Action).includes('dynamodb:')));
  });

  it('gives each function a role of its own that writes its own logs and traces, without managed policies', () => {
    for (const [id, fn] of chatFunctions()) {
      const roleId = roleOf(fn);
      const role = resources[roleId]!;
      assert.equal(role.Properties.ManagedPolicyArns, undefined, id);
      // Its grants are in the role itself: no policy resource of its own.
      const attached = ofType('AWS::IAM::Policy').filter(([, p]) =>
        (p.Properties.Roles as unknown[]).some((ref) => isRef(ref, roleId)),
      );
      assert.deepEqual(attached, [], id);
      const logGroup = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const statements = roleStatements(template, roleId);
      const logs = statements.filter((statement) => String(statement.Action).includes('logs:'));
      assert.equal(logs.length, 1, id);
      assert.deepEqual([logs[0]!.Action].flat().sort(), ['logs:CreateLogStream', 'logs:PutLogEvents'], id);
      assert.deepEqual(logs[0]!.Resource, { 'Fn::GetAtt': [logGroup, 'Arn'] }, id);
      const traces = statements.find((statement) => String(statement.Action).includes('xray:'));
      assert.deepEqual([traces?.Action].flat().sort(), ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], id);
      assert.deepEqual(fn.Properties.TracingConfig, { Mode: 'Active' }, id);
    }
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

  it('outputs the web, WebSocket and HTTP API URLs, and the table’s name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.match(JSON.stringify(outputs.WebUrl?.Value), /https:\/\/.*DomainName/);
    assert.match(JSON.stringify(outputs.WebSocketUrl?.Value), /wss:\/\/.*\/ws/);
    assert.match(JSON.stringify(outputs.HttpApiUrl?.Value), /Http.*ApiEndpoint/);
    const [[tableId]] = ofType('AWS::DynamoDB::Table') as [[string, Resource]];
    assert.deepEqual(outputs.TableName?.Value, { Ref: tableId });
    assert.equal(outputs.SearchCollectionEndpoint, undefined, 'no collection unless asked for');
  });

  /** The Lambda functions built from the chat's entry modules (not CDK's own helpers). */
  function chatFunctions(): Array<[string, Resource]> {
    return ofType('AWS::Lambda::Function').filter(([, fn]) =>
      JSON.stringify(fn.Properties.Environment ?? {}).includes(LambdaEnvironment.serviceName),
    );
  }

  /** The chat's functions by their `functionAccess` name. */
  function functionsByName(): Map<ChatFunctionName, [string, Resource]> {
    const prefixes: Array<[ChatFunctionName, string]> = [
      ['authorizer', 'Authorizer'],
      ['httpApi', 'HttpApiFunction'],
      ['searchIndexer', 'SearchIndexer'],
      ...chatRouteKeys.map((key): [ChatFunctionName, string] => [key, `Route${routeName(key)}`]),
    ];
    const functions = chatFunctions();
    return new Map(
      prefixes.map(([name, prefix]) => {
        const found = functions.filter(([id]) => id.slice(0, -8) === prefix);
        assert.equal(found.length, 1, prefix);
        return [name, found[0]!];
      }),
    );
  }

  /** A statement that lets its function read a table stream (what a stream event source grants). */
  function isStreamRead(statement: Record<string, unknown>): boolean {
    return /dynamodb:(ListStreams|DescribeStream|GetRecords|GetShardIterator)/.test(JSON.stringify(statement.Action));
  }

  /** The statements of a function's role. */
  function policyOf(functionId: string): PolicyStatementJson[] {
    return roleStatements(template, roleOf(resources[functionId]!));
  }
});
