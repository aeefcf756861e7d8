/**
 * The chat's WebSocket API on API Gateway, built from the chat's own gateway
 * definition (`chatApiDefinition`): every route it lists, with its request model
 * and route response, and its REQUEST authorizer on `$connect`. The stage has
 * default throttling and JSON access logs in CloudWatch.
 *
 * WebSocket access logs are written with the region's API Gateway CloudWatch
 * role, an account-wide setting this construct does not own: see
 * api-gateway-account-stack.ts.
 *
 *   chatApiDefinition({ authorizer: fn, routes: { [key]: fn } })
 *     ├─ routeSelectionExpression ─▶ AWS::ApiGatewayV2::Api
 *     ├─ routes[key].model ────────▶ AWS::ApiGatewayV2::Model + Route.RequestModels
 *     ├─ routes[key].routeResponse ▶ AWS::ApiGatewayV2::RouteResponse ($default)
 *     ├─ routes[key].handler ──────▶ Integration invoked with one role (role-invoked-lambda-integration.ts)
 *     └─ authorizer.identitySource ▶ AWS::ApiGatewayV2::Authorizer on $connect
 */
import { Arn, ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnModel,
  type CfnRoute,
  LogGroupLogDestination,
  type ThrottleSettings,
  WebSocketApi,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import type { ChatApiDefinition, ChatRouteKey } from './chat-sources.ts';
import { acknowledge, wildcardResourceFinding } from './compliance.ts';
import { RouteInvocationRole } from './role-invoked-lambda-integration.ts';

export interface ChatWebSocketApiProps {
  definition: ChatApiDefinition<IFunction, IFunction>;
  /**
   * Stage default route throttling. API Gateway's account-level default is
   * 10,000 requests per second with a burst of 5,000; a small team needs far less,
   * and the lower ceiling bounds what a runaway client can cost.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  throttle?: ThrottleSettings;
  /** @default RetentionDays.ONE_MONTH */
  accessLogRetention?: RetentionDays;
}

/**
 * The WebSocket access-log format as JSON (the fields of API Gateway's JSON
 * example for WebSocket APIs, plus the error messages that explain a refusal).
 */
export const webSocketAccessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    ip: AccessLogField.contextIdentitySourceIp(),
    caller: AccessLogField.contextIdentityCaller(),
    user: AccessLogField.contextIdentityUser(),
    requestTime: AccessLogField.contextRequestTime(),
    eventType: AccessLogField.contextEventType(),
    routeKey: AccessLogField.contextRouteKey(),
    status: AccessLogField.contextStatus(),
    connectionId: AccessLogField.contextConnectionId(),
    error: AccessLogField.contextErrorMessage(),
    integrationError: AccessLogField.contextIntegrationErrorMessage(),
    authorizerError: AccessLogField.contextAuthorizerError(),
  }),
);

/**
 * The stage metrics of a WebSocket API (AWS/ApiGateway): ClientError counts the
 * 4xx API Gateway answers before the integration, throttled messages (429)
 * included; IntegrationError and ExecutionError count failed integrations.
 */
export type WebSocketMetricName =
  | 'ConnectCount'
  | 'MessageCount'
  | 'IntegrationError'
  | 'ClientError'
  | 'ExecutionError'
  | 'IntegrationLatency';

/** Requests are validated against the model keyed `$default` whatever the action (spec 5). */
const MODEL_KEY = '$default';

export class ChatWebSocketApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  constructor(scope: Construct, id: string, props: ChatWebSocketApiProps) {
    super(scope, id);
    const { definition } = props;
    this.api = new WebSocketApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-chat`,
      routeSelectionExpression: definition.routeSelectionExpression,
    });
    const authorizer = new WebSocketLambdaAuthorizer('Authorizer', definition.authorizer.handler, {
      identitySource: definition.authorizer.identitySource,
    });
    const invocation = new RouteInvocationRole(this, 'RouteInvocationRole');
    for (const [key, route] of Object.entries(definition.routes) as Array<
      [ChatRouteKey, (typeof definition.routes)[ChatRouteKey]]
    >) {
      const name = modelName(key);
      const added = this.api.addRoute(key, {
        integration: invocation.integration(`${name}Integration`, route.handler),
        returnResponse: route.routeResponse ?? false,
        // API Gateway runs an authorizer on $connect only (spec 6).
        ...(key === '$connect' && { authorizer }),
      });
      if (key !== '$connect') {
        acknowledge(
          added,
          'AwsSolutions-APIG4',
          'A WebSocket API authorizes on $connect only (API Gateway runs no authorizer on other routes); every later message carries the identity the authorizer established for the connection.',
        );
      }
      if (route.model) {
        const model = new CfnModel(this, `${name}Model`, {
          apiId: this.api.apiId,
          name,
          contentType: 'application/json',
          schema: route.model,
        });
        const cfnRoute = added.node.defaultChild as CfnRoute;
        cfnRoute.modelSelectionExpression = definition.routeSelectionExpression;
        cfnRoute.requestModels = { [MODEL_KEY]: name };
        // RequestModels names the model: the reference carries no dependency.
        cfnRoute.addResourceDependency(model);
      }
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: definition.stage,
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: webSocketAccessLogFormat },
    });
  }

  /**
   * Allows `@connections` calls on this API's stage with the given methods only: `POST`
   * (PostToConnection) and `DELETE` (DeleteConnection, closing one); never `GET`, which the
   * chat does not use.
   */
  grantManageConnections(grantee: IGrantable & IConstruct, methods: ReadonlyArray<'POST' | 'DELETE'>): void {
    const resources = methods.map((method) =>
      Arn.format(
        {
          service: 'execute-api',
          resource: this.api.apiId,
          resourceName: `${this.stage.stageName}/${method}/@connections/*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        },
        Stack.of(this),
      ),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['execute-api:ManageConnections'], resources }),
    );
    // The finding is on the principal's policy (the function's role).
    const principal = grantee.grantPrincipal;
    for (const [index, connections] of resources.entries()) {
      acknowledge(
        Construct.isConstruct(principal) ? principal : grantee,
        wildcardResourceFinding(this, connections),
        `Connection ids are known only at run time; the permission is limited to ${methods[index]} on this API and stage.`,
      );
    }
  }

  /** A metric of this stage (namespace AWS/ApiGateway, dimensions ApiId and Stage). */
  metric(metricName: WebSocketMetricName, options?: MetricOptions): Metric {
    return this.stage.metric(metricName, options);
  }
}

/** A route key as an alphanumeric name: `sendMessage` -> `SendMessage`, `$default` -> `Default`. */
export function routeName(key: ChatRouteKey): string {
  const bare = key.replace(/^\$/, '');
  return `${bare.charAt(0).toUpperCase()}${bare.slice(1)}`;
}

/** Model names are alphanumeric: `SendMessageRequest`. */
function modelName(key: ChatRouteKey): string {
  return `${routeName(key)}Request`;
}
