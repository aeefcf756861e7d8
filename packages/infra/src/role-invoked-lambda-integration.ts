/**
 * A WebSocket route's Lambda proxy integration that API Gateway invokes with a
 * role of the API's (the integration's `CredentialsArn`), instead of a resource
 * policy statement on each function (`AWS::Lambda::Permission`, what CDK's
 * `WebSocketLambdaIntegration` adds). The chat has one function per route: one
 * permission each would take its stack past CloudFormation's 500 resources, while
 * one role invokes them all with a single statement naming exactly those functions.
 */
import { Stack } from 'aws-cdk-lib';
import {
  WebSocketIntegrationType,
  WebSocketRouteIntegration,
  type WebSocketRouteIntegrationBindOptions,
  type WebSocketRouteIntegrationConfig,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/** The role API Gateway assumes to invoke the routes' functions, and the functions it may invoke. */
export class RouteInvocationRole {
  readonly role: IRole;
  readonly #invoke = new PolicyStatement({ actions: ['lambda:InvokeFunction'] });

  constructor(scope: Construct, id: string) {
    this.role = new Role(scope, id, {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway invokes the WebSocket routes’ functions with this role',
    });
    this.role.addToPrincipalPolicy(this.#invoke);
  }

  /** The integration of a route with `handler`, which the role may then invoke (its unqualified ARN only). */
  integration(id: string, handler: IFunction): WebSocketRouteIntegration {
    this.#invoke.addResources(handler.functionArn);
    return new RoleInvokedLambdaIntegration(id, handler, this.role);
  }
}

class RoleInvokedLambdaIntegration extends WebSocketRouteIntegration {
  readonly #handler: IFunction;
  readonly #role: IRole;

  constructor(id: string, handler: IFunction, role: IRole) {
    super(id);
    this.#handler = handler;
    this.#role = role;
  }

  bind(options: WebSocketRouteIntegrationBindOptions): WebSocketRouteIntegrationConfig {
    return {
      type: WebSocketIntegrationType.AWS_PROXY,
      uri: Stack.of(options.route).formatArn({
        service: 'apigateway',
        account: 'lambda',
        resource: 'path/2015-03-31/functions',
        resourceName: `${this.#handler.functionArn}/invocations`,
      }),
      credentialsRole: this.#role,
    };
  }
}
