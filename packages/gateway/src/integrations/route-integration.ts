/**
 * The integration a route definition asks for (spec 7's integration types):
 *
 * | definition                                  | integration                      |
 * |---------------------------------------------|----------------------------------|
 * | `handler`                                   | Lambda proxy (`AWS_PROXY`)        |
 * | `handler` + `integration.type: AWS`         | Lambda non-proxy                  |
 * | `integration.type: HTTP_PROXY` / `HTTP`     | http.ts                           |
 * | `integration.type: MOCK`                    | mock.ts                           |
 * | `integration.type: AWS` + `uri`             | aws-service.ts                    |
 */
import type { RouteDefinition } from '../definition.ts';
import { ConfigError } from '../errors.ts';
import type { Settings } from '../settings.ts';
import { awsServiceIntegration } from './aws-service.ts';
import type { FunctionLoader } from './function-loader.ts';
import { httpIntegration } from './http.ts';
import type { Integration } from './integration.ts';
import { lambdaIntegration } from './lambda.ts';
import { lambdaNonProxyIntegration } from './lambda-non-proxy.ts';
import { mockIntegration } from './mock.ts';

/** Builds the integration of route `key`; throws ConfigError naming the route when it cannot. */
export async function createRouteIntegration(
  key: string,
  route: RouteDefinition,
  settings: Settings,
  functions: FunctionLoader,
): Promise<Integration> {
  const configPath = `routes.${key}.integration`;
  const stageVariables = settings.stageVariables ?? {};
  const definition = route.integration;
  if (route.handler !== undefined) {
    const fn = await functions.load({
      handler: route.handler,
      functionName: route.functionName ?? `${settings.stage}-${key.replace(/[^A-Za-z0-9_-]/g, '') || 'route'}`,
      environment: route.environment,
      path: `routes.${key}`,
    });
    if (definition === undefined) return lambdaIntegration(fn);
    // validate.ts admits a handler beside an integration only as `type: AWS` without `uri`.
    return lambdaNonProxyIntegration(fn, definition, { stageVariables, configPath });
  }
  switch (definition?.type) {
    case 'HTTP':
    case 'HTTP_PROXY':
      return httpIntegration(definition, {
        stageVariables,
        configPath,
        maxResponseBytes: settings.maxIntegrationResponseBytes,
      });
    case 'MOCK':
      return mockIntegration(definition, { stageVariables, configPath });
    case 'AWS':
      return awsServiceIntegration(definition, {
        stageVariables,
        configPath,
        endpoints: settings.awsServices.endpoints,
        credentials: settings.awsServices.credentials,
        maxResponseBytes: settings.maxIntegrationResponseBytes,
      });
    default:
      throw new ConfigError('a route needs a handler or an integration', { path: `routes.${key}` });
  }
}
