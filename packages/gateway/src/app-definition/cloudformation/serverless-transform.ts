/**
 * The parts of AWS SAM's transform (`Transform: AWS::Serverless-2016-10-31`) that
 * matter to a WebSocket API run locally:
 *
 * - `Globals.Function` merged into every `AWS::Serverless::Function` (mappings
 *   merged, lists appended, the function's own values winning), as SAM does;
 * - `AWS::Serverless::WebSocketApi` expanded into the `AWS::ApiGatewayV2::*`
 *   resources SAM generates for it, with SAM's logical ids
 *   (`<Api>`, `<Api><Stage>Stage`, `<Api><RouteKey>Route`, `...Integration`), so
 *   that the rest of the template reads as if it were plain CloudFormation.
 */
import { isObject } from './intrinsics.ts';
import type { CloudFormationTemplate, TemplateResource } from './template.ts';

export const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';

/** SAM's default stage name for a WebSocket API. */
const DEFAULT_STAGE_NAME = 'default';

export function applyServerlessTransform(template: CloudFormationTemplate): void {
  if (!template.transforms.includes(SAM_TRANSFORM)) return;
  applyFunctionGlobals(template);
  for (const api of template.resourcesOfType('AWS::Serverless::WebSocketApi')) expandWebSocketApi(template, api);
}

function applyFunctionGlobals(template: CloudFormationTemplate): void {
  const globals = template.section('Globals');
  if (globals === undefined) return;
  if (!isObject(globals)) template.fail('Globals is a mapping of resource kinds', ['Globals']);
  const functionGlobals = globals.Function;
  if (functionGlobals === undefined) return;
  if (!isObject(functionGlobals)) template.fail('Globals.Function is a mapping of properties', ['Globals', 'Function']);
  for (const fn of template.resourcesOfType('AWS::Serverless::Function')) {
    fn.properties = merge(functionGlobals, fn.properties) as Record<string, unknown>;
  }
}

/** SAM's rule: mappings merge key by key, lists append, anything else is replaced. */
function merge(global: unknown, local: unknown): unknown {
  if (local === undefined) return global;
  if (isObject(global) && isObject(local) && !isIntrinsic(global) && !isIntrinsic(local)) {
    const merged: Record<string, unknown> = { ...global };
    for (const [key, value] of Object.entries(local)) merged[key] = merge(global[key], value);
    return merged;
  }
  if (Array.isArray(global) && Array.isArray(local)) return [...global, ...local];
  return local;
}

function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::') === true);
}

function expandWebSocketApi(template: CloudFormationTemplate, api: TemplateResource): void {
  const props = api.properties;
  const id = api.logicalId;
  const origin = { metadata: {}, condition: api.condition, path: api.path };
  const apiRef = { Ref: id };
  // The API resource keeps its logical id: `!Ref MyApi` gives the API id, as after SAM's transform.
  template.resources.set(id, {
    ...origin,
    logicalId: id,
    type: 'AWS::ApiGatewayV2::Api',
    properties: {
      ProtocolType: 'WEBSOCKET',
      ...pick(props, [
        'Name',
        'Description',
        'RouteSelectionExpression',
        'ApiKeySelectionExpression',
        'DisableSchemaValidation',
        'DisableExecuteApiEndpoint',
      ]),
    },
  });
  const stageName = props.StageName ?? DEFAULT_STAGE_NAME;
  template.addResource({
    ...origin,
    logicalId: `${id}${typeof stageName === 'string' ? stageName : ''}Stage`,
    type: 'AWS::ApiGatewayV2::Stage',
    properties: {
      ApiId: apiRef,
      StageName: stageName,
      ...pick(props, ['AccessLogSettings', 'DefaultRouteSettings', 'RouteSettings', 'StageVariables']),
    },
  });
  const auth = props.Auth;
  let authorizerId: string | undefined;
  if (isObject(auth) && auth.AuthType === 'CUSTOM') {
    authorizerId = `${id}Authorizer`;
    template.addResource({
      ...origin,
      logicalId: authorizerId,
      type: 'AWS::ApiGatewayV2::Authorizer',
      properties: {
        ApiId: apiRef,
        AuthorizerType: 'REQUEST',
        AuthorizerUri: auth.AuthArn,
        Name: auth.Name ?? authorizerId,
        ...pick(auth, ['IdentitySource']),
      },
    });
  }
  const routes = props.Routes ?? {};
  if (!isObject(routes)) template.fail('Routes maps route keys to routes', [...api.path, 'Properties', 'Routes']);
  for (const [routeKey, route] of Object.entries(routes)) {
    const routePath = [...api.path, 'Properties', 'Routes', routeKey];
    if (!isObject(route)) template.fail('a route is a mapping with a FunctionArn', routePath);
    const normalized = routeKey.replace(/[^A-Za-z0-9]/g, '');
    const integrationId = `${id}${normalized}Integration`;
    template.addResource({
      ...origin,
      path: routePath,
      logicalId: integrationId,
      type: 'AWS::ApiGatewayV2::Integration',
      properties: {
        ApiId: apiRef,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: route.FunctionArn,
        ...(route.IntegrationTimeout !== undefined && { TimeoutInMillis: route.IntegrationTimeout }),
      },
    });
    const connectAuth =
      routeKey === '$connect' && isObject(auth)
        ? {
            AuthorizationType: auth.AuthType,
            ...(authorizerId && { AuthorizerId: { Ref: authorizerId } }),
          }
        : {};
    template.addResource({
      ...origin,
      path: routePath,
      logicalId: `${id}${normalized}Route`,
      type: 'AWS::ApiGatewayV2::Route',
      properties: {
        ApiId: apiRef,
        RouteKey: routeKey,
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: integrationId }]] },
        ...pick(route, [
          'ApiKeyRequired',
          'ModelSelectionExpression',
          'OperationName',
          'RequestModels',
          'RequestParameters',
          'RouteResponseSelectionExpression',
        ]),
        ...connectAuth,
      },
    });
  }
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}
