/**
 * Reads a WebSocket API from a template's `AWS::ApiGatewayV2::*` resources (the
 * API, its routes, integrations, route and integration responses, authorizer,
 * models and stage) into the gateway's own definition. Every integration type is
 * served (Lambda proxy and non-proxy, HTTP and HTTP_PROXY, MOCK, AWS service
 * actions); every setting without a local effect is named at start-up.
 */
import type {
  AccessLogDefinition,
  AuthorizerDefinition,
  ContentHandling,
  GatewayDefinition,
  IntegrationResponseDefinition,
  JsonSchema,
  NonProxyIntegrationFields,
  PassthroughBehavior,
  RouteDefinition,
  ThrottleSettings,
} from '../../definition.ts';
import { ACCOUNT_THROTTLING } from '../../settings.ts';
import type { AppNotices } from '../app-notices.ts';
import { isObject, type TemplatePath } from './intrinsics.ts';
import type { TemplateFunctions } from './lambda-functions.ts';
import type { CloudFormationTemplate, TemplateResource } from './template.ts';

const PASSTHROUGH_BEHAVIORS: ReadonlySet<string> = new Set(['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER']);

/** Spec 4: API Gateway's integration timeout default and maximum. */
const MAX_INTEGRATION_TIMEOUT_MS = 29_000;

export interface WebSocketApiOptions {
  /** The stage to serve when the API has several (`--stage`). */
  stage?: string;
  functions: TemplateFunctions;
  notices: AppNotices;
}

export interface TranslatedApi {
  definition: GatewayDefinition;
  /** Where each part of the definition (`routes.$connect`, `authorizer`) comes from, for errors. */
  origins: Map<string, TemplatePath>;
}

/** The template's WebSocket APIs (HTTP APIs share the resource type). */
export function webSocketApis(template: CloudFormationTemplate): TemplateResource[] {
  return template
    .resourcesOfType('AWS::ApiGatewayV2::Api')
    .filter((api) => template.property(api, 'ProtocolType') === 'WEBSOCKET');
}

export function translateWebSocketApi(
  template: CloudFormationTemplate,
  api: TemplateResource,
  options: WebSocketApiOptions,
): TranslatedApi {
  return new ApiReader(template, api, options).read();
}

class ApiReader {
  readonly #template: CloudFormationTemplate;
  readonly #api: TemplateResource;
  readonly #options: WebSocketApiOptions;
  readonly #apiId: string;
  readonly #children = new Map<string, TemplateResource[]>();
  readonly #origins = new Map<string, TemplatePath>();

  constructor(template: CloudFormationTemplate, api: TemplateResource, options: WebSocketApiOptions) {
    this.#template = template;
    this.#api = api;
    this.#options = options;
    this.#apiId = String(template.ref(api.logicalId, api.path));
    for (const resource of template.resources.values()) {
      if (!resource.type.startsWith('AWS::ApiGatewayV2::') || resource.type === 'AWS::ApiGatewayV2::Api') continue;
      if (!template.includes(resource) || template.property(resource, 'ApiId') !== this.#apiId) continue;
      const list = this.#children.get(resource.type) ?? [];
      list.push(resource);
      this.#children.set(resource.type, list);
    }
  }

  read(): TranslatedApi {
    const template: CloudFormationTemplate = this.#template;
    const api = this.#api;
    for (const unsupported of ['Body', 'BodyS3Location']) {
      if (template.property(api, unsupported) !== undefined) {
        template.fail(
          `${unsupported} (an OpenAPI import) is not supported for WebSocket APIs`,
          template.propertyPath(api, unsupported),
        );
      }
    }
    if (template.property(api, 'ApiKeySelectionExpression') !== undefined) {
      this.#options.notices.note('API keys (ApiKeySelectionExpression, ApiKeyRequired) are not checked locally');
    }
    for (const type of [
      'AWS::ApiGatewayV2::DomainName',
      'AWS::ApiGatewayV2::ApiMapping',
      'AWS::ApiGatewayV2::VpcLink',
    ]) {
      for (const resource of template.resourcesOfType(type))
        this.#options.notices.notEmulated(type, resource.logicalId);
    }
    const stage = this.#stage();
    const definition: GatewayDefinition = {
      apiId: this.#apiId,
      region: template.run.region,
      accountId: template.run.accountId,
      stage: stage.name,
      routeSelectionExpression: this.#string(api, 'RouteSelectionExpression') ?? '$request.body.action',
      routes: {},
      ...(stage.variables && { stageVariables: stage.variables }),
      ...(stage.throttling && { throttling: stage.throttling }),
      ...(stage.accessLog && { accessLog: stage.accessLog }),
    };
    this.#origins.set('routeSelectionExpression', template.propertyPath(api, 'RouteSelectionExpression'));
    if (stage.resource) {
      for (const setting of ['stage', 'stageVariables', 'throttling', 'accessLog'])
        this.#origins.set(setting, stage.resource.path);
    }
    const validateModels = template.property(api, 'DisableSchemaValidation') !== true;
    for (const route of this.#of('AWS::ApiGatewayV2::Route')) {
      const key = this.#string(route, 'RouteKey');
      if (key === undefined) template.fail('a route needs a RouteKey', route.path);
      if (Object.hasOwn(definition.routes, key))
        template.fail(`a second route for ${key}`, template.propertyPath(route, 'RouteKey'));
      const read = this.#route(route, key, stage.routeThrottling.get(key), validateModels);
      if (!read) continue;
      definition.routes[key] = read.route;
      this.#origins.set(`routes.${key}`, route.path);
      if (read.authorizer) {
        definition.authorizer = read.authorizer.definition;
        this.#origins.set('authorizer', read.authorizer.path);
      }
    }
    return { definition, origins: this.#origins };
  }

  #route(
    route: TemplateResource,
    key: string,
    throttling: ThrottleSettings | undefined,
    validateModels: boolean,
  ): { route: RouteDefinition; authorizer?: { definition: AuthorizerDefinition; path: TemplatePath } } | undefined {
    const template: CloudFormationTemplate = this.#template;
    const notices = this.#options.notices;
    const target = this.#string(route, 'Target');
    if (target === undefined) {
      notices.note(`route ${key} (${route.logicalId}) has no Target integration: it is not served`);
      return undefined;
    }
    const integrationId = /^integrations\/(.+)$/.exec(target)?.[1];
    const integration = integrationId
      ? this.#of('AWS::ApiGatewayV2::Integration').find((item) => item.logicalId === integrationId)
      : undefined;
    if (!integration)
      template.fail(`Target "${target}" is not an integration of this API`, template.propertyPath(route, 'Target'));
    const definition: RouteDefinition = this.#integration(integration, key);
    if (throttling) definition.throttling = throttling;
    if (validateModels) Object.assign(definition, this.#models(route));
    const routeResponse = this.#routeResponse(route, key);
    if (routeResponse) definition.routeResponse = routeResponse;
    if (template.property(route, 'ApiKeyRequired') === true) {
      notices.note('API keys (ApiKeySelectionExpression, ApiKeyRequired) are not checked locally');
    }
    if (template.property(route, 'RequestParameters') !== undefined) {
      notices.note(`route ${key}: RequestParameters (required headers and query strings) are not checked locally`);
    }
    const authorization = this.#string(route, 'AuthorizationType') ?? 'NONE';
    if (authorization === 'AWS_IAM') {
      notices.note(`route ${key}: AWS_IAM authorization is not checked locally; every handshake is let through`);
    } else if (authorization === 'CUSTOM') {
      if (key !== '$connect') {
        template.fail(
          'only the $connect route can have an authorizer',
          template.propertyPath(route, 'AuthorizationType'),
        );
      }
      return { route: definition, authorizer: this.#authorizer(route) };
    } else if (authorization !== 'NONE') {
      template.fail(
        `AuthorizationType is NONE, CUSTOM or AWS_IAM, not ${authorization}`,
        template.propertyPath(route, 'AuthorizationType'),
      );
    }
    return { route: definition };
  }

  /** The route's handler and integration (spec 7's five types). */
  #integration(integration: TemplateResource, key: string): RouteDefinition {
    const template: CloudFormationTemplate = this.#template;
    const type = this.#string(integration, 'IntegrationType');
    const timeout = this.#number(integration, 'TimeoutInMillis') ?? MAX_INTEGRATION_TIMEOUT_MS;
    if (this.#string(integration, 'ConnectionType') === 'VPC_LINK') {
      this.#options.notices.note(
        `route ${key}: VPC links are not emulated; ${integration.logicalId}'s IntegrationUri is called directly`,
      );
    }
    if (type === 'AWS_PROXY' || (type === 'AWS' && this.#invokesLambda(integration))) {
      const fn = this.#function(integration, 'IntegrationUri');
      return {
        handler: fn.handler,
        functionName: fn.functionName,
        ...(Object.keys(fn.environment).length > 0 && { environment: fn.environment }),
        ...(type === 'AWS' && { integration: { type: 'AWS', ...this.#nonProxy(integration, key) } }),
        // A function that outlives its own timeout fails before the integration's.
        timeoutInMillis: Math.min(timeout, fn.timeoutSeconds * 1000),
      };
    }
    if (type === 'HTTP_PROXY' || type === 'HTTP') {
      const uri = this.#string(integration, 'IntegrationUri');
      if (uri === undefined) template.fail(`an ${type} integration needs an IntegrationUri`, integration.path);
      return {
        integration: {
          type,
          uri,
          ...this.#request(integration),
          ...(type === 'HTTP' && this.#nonProxy(integration, key)),
        },
        timeoutInMillis: timeout,
      };
    }
    if (type === 'MOCK') {
      return { integration: { type, ...this.#nonProxy(integration, key) }, timeoutInMillis: timeout };
    }
    if (type === 'AWS') {
      const uri = this.#string(integration, 'IntegrationUri');
      if (uri === undefined) template.fail('an AWS integration needs an IntegrationUri', integration.path);
      if (this.#string(integration, 'CredentialsArn') !== undefined) {
        this.#options.notices.note(
          `route ${key}: the integration's CredentialsArn role is not assumed locally; AWS calls are signed with the gateway's credentials`,
        );
      }
      return {
        integration: { type, uri, ...this.#request(integration), ...this.#nonProxy(integration, key) },
        timeoutInMillis: timeout,
      };
    }
    return template.fail(
      `IntegrationType is AWS_PROXY, HTTP_PROXY, HTTP, AWS or MOCK, not ${String(type)}`,
      template.propertyPath(integration, 'IntegrationType'),
    );
  }

  /** An `AWS` integration whose URI is Lambda's Invoke (a Lambda non-proxy integration). */
  #invokesLambda(integration: TemplateResource): boolean {
    return /^arn:[^:]+:(apigateway:[^:]+:lambda:path\/|lambda:)/.test(
      this.#string(integration, 'IntegrationUri') ?? '',
    );
  }

  /** `IntegrationMethod` and `RequestParameters` of an integration that calls a backend. */
  #request(integration: TemplateResource): { method?: string; requestParameters?: Record<string, string> } {
    const method = this.#string(integration, 'IntegrationMethod');
    const requestParameters = this.#stringMap(integration, 'RequestParameters');
    return { ...(method && { method }), ...(requestParameters && { requestParameters }) };
  }

  /** Templates, passthrough, content handling and the integration's IntegrationResponses (spec 7). */
  #nonProxy(integration: TemplateResource, key: string): NonProxyIntegrationFields {
    const template: CloudFormationTemplate = this.#template;
    const fields: NonProxyIntegrationFields = {};
    const requestTemplates = this.#stringMap(integration, 'RequestTemplates');
    if (requestTemplates) fields.requestTemplates = requestTemplates;
    const selection = this.#string(integration, 'TemplateSelectionExpression');
    if (selection !== undefined) fields.templateSelectionExpression = selection;
    const passthrough = this.#string(integration, 'PassthroughBehavior');
    if (passthrough !== undefined) {
      if (!PASSTHROUGH_BEHAVIORS.has(passthrough)) {
        template.fail(
          `PassthroughBehavior is WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER, not ${passthrough}`,
          template.propertyPath(integration, 'PassthroughBehavior'),
        );
      }
      fields.passthroughBehavior = passthrough as PassthroughBehavior;
    }
    const contentHandling = this.#contentHandling(integration);
    if (contentHandling) fields.contentHandling = contentHandling;
    const responses: Record<string, IntegrationResponseDefinition> = {};
    for (const response of this.#of('AWS::ApiGatewayV2::IntegrationResponse')) {
      if (template.property(response, 'IntegrationId') !== integration.logicalId) continue;
      const responseKey = this.#string(response, 'IntegrationResponseKey');
      if (responseKey === undefined)
        template.fail('an IntegrationResponse needs an IntegrationResponseKey', response.path);
      const definition: IntegrationResponseDefinition = {};
      const templates = this.#stringMap(response, 'ResponseTemplates');
      if (templates) definition.templates = templates;
      const responseSelection = this.#string(response, 'TemplateSelectionExpression');
      if (responseSelection !== undefined) definition.templateSelectionExpression = responseSelection;
      const responseHandling = this.#contentHandling(response);
      if (responseHandling === 'CONVERT_TO_BINARY') {
        this.#options.notices.note(
          `route ${key}: ContentHandlingStrategy CONVERT_TO_BINARY on ${response.logicalId} is ignored: clients get text frames only`,
        );
      } else if (responseHandling) {
        definition.contentHandling = responseHandling;
      }
      if (template.property(response, 'ResponseParameters') !== undefined) {
        this.#options.notices.note(`route ${key}: integration ResponseParameters have no local effect`);
      }
      responses[responseKey] = definition;
    }
    if (Object.keys(responses).length > 0) fields.responses = responses;
    return fields;
  }

  #contentHandling(resource: TemplateResource): ContentHandling | undefined {
    const value = this.#string(resource, 'ContentHandlingStrategy');
    if (value === undefined || value === 'CONVERT_TO_TEXT' || value === 'CONVERT_TO_BINARY') return value;
    return this.#template.fail(
      `ContentHandlingStrategy is CONVERT_TO_TEXT or CONVERT_TO_BINARY, not ${value}`,
      this.#template.propertyPath(resource, 'ContentHandlingStrategy'),
    );
  }

  #stringMap(resource: TemplateResource, name: string): Record<string, string> | undefined {
    const value = this.#template.property(resource, name);
    if (value === undefined) return undefined;
    if (!isObject(value) || !Object.values(value).every((item) => typeof item === 'string')) {
      this.#template.fail(`${name} maps names to strings`, this.#template.propertyPath(resource, name));
    }
    return value as Record<string, string>;
  }

  /** The template function a Lambda integration or authorizer URI invokes. */
  #function(resource: TemplateResource, property: string) {
    const template: CloudFormationTemplate = this.#template;
    const path = template.propertyPath(resource, property);
    const uri = this.#string(resource, property);
    if (uri === undefined) template.fail(`${property} is required`, resource.path);
    const arn = /^arn:[^:]+:apigateway:[^:]+:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/.exec(uri)?.[1] ?? uri;
    if (!/^arn:[^:]+:lambda:/.test(arn)) template.fail(`${property} "${uri}" does not invoke a Lambda function`, path);
    const logicalId = this.#options.functions.logicalIdOfArn(arn);
    if (!logicalId) template.fail(`${property} invokes ${arn}, which is not a function of this template`, path);
    return this.#options.functions.load(logicalId);
  }

  #models(route: TemplateResource): Pick<RouteDefinition, 'model' | 'models' | 'modelSelectionExpression'> {
    const template: CloudFormationTemplate = this.#template;
    const requestModels = template.property(route, 'RequestModels');
    if (requestModels === undefined) return {};
    const path = template.propertyPath(route, 'RequestModels');
    if (!isObject(requestModels)) template.fail('RequestModels maps selection keys to model names', path);
    const models: Record<string, JsonSchema> = {};
    for (const [selectionKey, name] of Object.entries(requestModels)) {
      models[selectionKey] = this.#modelSchema(String(name), [...path, selectionKey]);
    }
    const expression = this.#string(route, 'ModelSelectionExpression');
    if (expression !== undefined) return { models, modelSelectionExpression: expression };
    const keys = Object.keys(models);
    // Without a selection expression API Gateway uses the $default model for every message.
    if (keys.length === 1 && models.$default) return { model: models.$default };
    return template.fail('several RequestModels need a ModelSelectionExpression', path);
  }

  #modelSchema(name: string, path: TemplatePath): JsonSchema {
    const template: CloudFormationTemplate = this.#template;
    const model = this.#of('AWS::ApiGatewayV2::Model').find((item) => this.#string(item, 'Name') === name);
    if (!model) template.fail(`model "${name}" is not an AWS::ApiGatewayV2::Model of this API`, path);
    const schema = template.property(model, 'Schema');
    const schemaPath = template.propertyPath(model, 'Schema');
    if (typeof schema === 'string') {
      try {
        return JSON.parse(schema) as JsonSchema;
      } catch (error) {
        return template.fail(`Schema is not valid JSON: ${(error as Error).message}`, schemaPath);
      }
    }
    if (!isObject(schema)) template.fail('Schema is a JSON Schema (draft 4) object or its JSON text', schemaPath);
    return schema;
  }

  /**
   * Spec 1.6: a route is two-way when it selects a route response and has the `$default`
   * one (the only key WebSocket APIs support). Its models document the answer; AWS does
   * not check answers against them, and neither does the gateway.
   */
  #routeResponse(route: TemplateResource, key: string): RouteDefinition['routeResponse'] {
    const template: CloudFormationTemplate = this.#template;
    const expression = this.#string(route, 'RouteResponseSelectionExpression');
    if (expression !== undefined && expression !== '$default') {
      template.fail(
        `RouteResponseSelectionExpression is $default for WebSocket APIs, not ${expression}`,
        template.propertyPath(route, 'RouteResponseSelectionExpression'),
      );
    }
    const responses = this.#of('AWS::ApiGatewayV2::RouteResponse').filter(
      (response) => template.property(response, 'RouteId') === route.logicalId,
    );
    const response = responses.find((candidate) => this.#string(candidate, 'RouteResponseKey') === '$default');
    if (expression !== undefined && !response) {
      this.#options.notices.note(
        `route ${key} has a RouteResponseSelectionExpression but no $default RouteResponse: it stays one-way, as on AWS`,
      );
    }
    if (expression === undefined || !response) return undefined;
    const responseModels = this.#stringMap(response, 'ResponseModels');
    if (!responseModels) return true;
    const models: Record<string, JsonSchema> = {};
    const path = template.propertyPath(response, 'ResponseModels');
    for (const [selectionKey, name] of Object.entries(responseModels)) {
      models[selectionKey] = this.#modelSchema(name, [...path, selectionKey]);
    }
    const modelSelectionExpression = this.#string(response, 'ModelSelectionExpression');
    return { models, ...(modelSelectionExpression !== undefined && { modelSelectionExpression }) };
  }

  #authorizer(route: TemplateResource): { definition: AuthorizerDefinition; path: TemplatePath } {
    const template: CloudFormationTemplate = this.#template;
    const id = this.#string(route, 'AuthorizerId');
    if (id === undefined) template.fail('a CUSTOM route needs an AuthorizerId', route.path);
    const authorizer = this.#of('AWS::ApiGatewayV2::Authorizer').find((item) => item.logicalId === id);
    if (!authorizer)
      template.fail(
        `AuthorizerId "${id}" is not an authorizer of this API`,
        template.propertyPath(route, 'AuthorizerId'),
      );
    const type = this.#string(authorizer, 'AuthorizerType');
    if (type !== 'REQUEST') {
      template.fail(
        `a WebSocket API's authorizer is REQUEST, not ${String(type)}`,
        template.propertyPath(authorizer, 'AuthorizerType'),
      );
    }
    const fn = this.#function(authorizer, 'AuthorizerUri');
    const identitySource = template.property(authorizer, 'IdentitySource');
    const sources =
      typeof identitySource === 'string' ? identitySource.split(',').map((item) => item.trim()) : identitySource;
    if (sources !== undefined && !(Array.isArray(sources) && sources.every((item) => typeof item === 'string'))) {
      template.fail(
        'IdentitySource is a list of identity sources',
        template.propertyPath(authorizer, 'IdentitySource'),
      );
    }
    return {
      definition: {
        handler: fn.handler,
        functionName: fn.functionName,
        // Spec 6: without identity sources the authorizer runs on every handshake.
        identitySource: (sources as string[] | undefined) ?? [],
        ...(Object.keys(fn.environment).length > 0 && { environment: fn.environment }),
      },
      path: authorizer.path,
    };
  }

  #stage(): {
    name: string;
    resource?: TemplateResource;
    variables?: Record<string, string>;
    throttling?: ThrottleSettings;
    routeThrottling: Map<string, ThrottleSettings>;
    accessLog?: AccessLogDefinition;
  } {
    const template: CloudFormationTemplate = this.#template;
    const stages = this.#of('AWS::ApiGatewayV2::Stage');
    const named = stages.map((stage) => ({ stage, name: this.#string(stage, 'StageName') }));
    const wanted = this.#options.stage;
    const chosen = wanted === undefined ? named : named.filter((item) => item.name === wanted);
    if (chosen.length === 0 && wanted !== undefined && stages.length > 0) {
      template.fail(
        `--stage ${wanted}: the API's stages are ${named.map((item) => item.name).join(', ')}`,
        this.#api.path,
      );
    }
    if (chosen.length > 1) {
      template.fail(
        `the API has several stages (${named.map((item) => item.name).join(', ')}): choose one with --stage`,
        this.#api.path,
      );
    }
    const [first] = chosen;
    if (!first) {
      this.#options.notices.note(`the API has no AWS::ApiGatewayV2::Stage: serving it as stage ${wanted ?? 'dev'}`);
      return { name: wanted ?? 'dev', routeThrottling: new Map() };
    }
    const { stage, name } = first;
    if (name === undefined) template.fail('a stage needs a StageName', stage.path);
    const variables = template.property(stage, 'StageVariables');
    const routeSettings = template.property(stage, 'RouteSettings');
    const routeThrottling = new Map<string, ThrottleSettings>();
    if (isObject(routeSettings)) {
      for (const [key, settings] of Object.entries(routeSettings)) {
        const throttling = throttlingOf(settings);
        if (throttling) routeThrottling.set(key, throttling);
      }
    }
    const accessLog = template.property(stage, 'AccessLogSettings');
    const format = isObject(accessLog) && typeof accessLog.Format === 'string' ? accessLog.Format : undefined;
    return {
      name,
      resource: stage,
      ...(isObject(variables) && {
        variables: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)])),
      }),
      ...(throttlingOf(template.property(stage, 'DefaultRouteSettings')) && {
        throttling: throttlingOf(template.property(stage, 'DefaultRouteSettings')),
      }),
      routeThrottling,
      // Access logs go to standard output; a multi-line format is one line per request.
      ...(format && { accessLog: { format: format.replace(/\s*\n\s*/g, ' ').trim() } }),
    };
  }

  #of(type: string): TemplateResource[] {
    return this.#children.get(type) ?? [];
  }

  #string(resource: TemplateResource, name: string): string | undefined {
    const value = this.#template.property(resource, name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string')
      this.#template.fail(`${name} must be a string`, this.#template.propertyPath(resource, name));
    return value;
  }

  #number(resource: TemplateResource, name: string): number | undefined {
    const value = this.#template.property(resource, name);
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isFinite(number))
      this.#template.fail(`${name} must be a number`, this.#template.propertyPath(resource, name));
    return number;
  }
}

/** `ThrottlingBurstLimit` / `ThrottlingRateLimit` of a stage's route settings. */
function throttlingOf(settings: unknown): ThrottleSettings | undefined {
  if (!isObject(settings)) return undefined;
  const burst = settings.ThrottlingBurstLimit;
  const rate = settings.ThrottlingRateLimit;
  if (burst === undefined && rate === undefined) return undefined;
  return {
    burstLimit: burst === undefined ? ACCOUNT_THROTTLING.burstLimit : Number(burst),
    rateLimit: rate === undefined ? ACCOUNT_THROTTLING.rateLimit : Number(rate),
  };
}
