/**
 * The chat's HTTP endpoints (every `HttpRoute`: accounts, sessions, search, files) on an
 * API Gateway HTTP API, all served by one function, with CORS for the web
 * client's origin, stage throttling and JSON access logs. HTTP APIs deliver
 * access logs through CloudWatch Logs' own delivery, without the account's API
 * Gateway CloudWatch role.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HttpRoute } from './chat-sources.ts';
import { acknowledge } from './compliance.ts';

/** `GET /api/files/<messageId>/<fileId>`: a link to a file on a message. */
export const fileLinkPath = '/api/files/{messageId}/{fileId}';

export interface ChatHttpApiProps {
  /** The function that answers every route. */
  handler: IFunction;
  /** The web client's origin (`https://<distribution>.cloudfront.net`). */
  allowOrigin: string;
  /** @default { rateLimit: 20, burstLimit: 40 } (sign-ups and logins) */
  throttle?: ThrottleSettings;
  /** @default RetentionDays.ONE_MONTH */
  accessLogRetention?: RetentionDays;
}

/** The HTTP access-log format as JSON: who called which route, the answer, and why it failed. */
export const httpAccessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    ip: AccessLogField.contextIdentitySourceIp(),
    requestTime: AccessLogField.contextRequestTime(),
    method: AccessLogField.contextHttpMethod(),
    routeKey: AccessLogField.contextRouteKey(),
    status: AccessLogField.contextStatus(),
    protocol: AccessLogField.contextProtocol(),
    responseLength: AccessLogField.contextResponseLength(),
    error: AccessLogField.contextErrorMessage(),
    integrationError: AccessLogField.contextIntegrationErrorMessage(),
  }),
);

export class ChatHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ChatHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-accounts`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [props.allowOrigin],
        allowMethods: [CorsHttpMethod.POST, CorsHttpMethod.GET],
        allowHeaders: ['content-type', 'authorization'],
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: httpAccessLogFormat },
    });
    const integration = new HttpLambdaIntegration('Accounts', props.handler);
    for (const path of Object.values(HttpRoute)) {
      for (const route of this.api.addRoutes({ path, methods: [HttpMethod.POST], integration })) {
        acknowledge(
          route,
          'AwsSolutions-APIG4',
          'The chat authenticates its HTTP endpoints itself: registering, logging in and guest sessions are how a visitor gets a session token, and the others check that (HS256) token in the function, which an HTTP API JWT authorizer (JWKS only) cannot verify.',
        );
      }
    }
    // The link to an attached file (docs/protocol.md, "Files"): its bytes come from S3, by a presigned URL.
    for (const route of this.api.addRoutes({ path: fileLinkPath, methods: [HttpMethod.GET], integration })) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'The function checks the session token (HS256) and that the caller may read the message, as for the other endpoints.',
      );
    }
  }

  /** `https://<api-id>.execute-api.<region>.amazonaws.com`, without a trailing slash. */
  get url(): string {
    return this.api.apiEndpoint;
  }
}
