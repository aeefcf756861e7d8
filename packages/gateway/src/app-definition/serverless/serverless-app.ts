/**
 * A Serverless Framework v3 service (`serverless.yml`), read the way the
 * framework compiles it: each function with `websocket` events becomes the
 * `AWS::ApiGatewayV2::*` resources and the Lambda function the framework
 * generates (with its logical ids: `WebsocketsApi`, `<Name>LambdaFunction`, ...),
 * merged with the service's own `resources`, and served like any template. So
 * `!Ref WebsocketsApi` and `!GetAtt ConnectLambdaFunction.Arn` in `resources`
 * resolve as on AWS.
 */
import type { Locate } from '../../config/validate.ts';
import { ConfigError } from '../../errors.ts';
import { AppNotices } from '../app-notices.ts';
import { readTemplate, serveReadTemplate } from '../cloudformation/cloudformation-app.ts';
import { localCodeLocator } from '../cloudformation/code-location.ts';
import { isObject, type TemplatePath } from '../cloudformation/intrinsics.ts';
import { resolveHandler } from '../cloudformation/lambda-functions.ts';
import { nearestLine, renderPath } from '../cloudformation/template.ts';
import { AppKind, type AppOptions, LOCAL_ACCOUNT_ID, type ServedApp } from '../served-app.ts';
import { ServerlessVariables } from './variables.ts';

export interface ServerlessInput {
  file: string;
  data: unknown;
  locate: Locate;
  /** The service's folder: handler paths are relative to it. */
  baseDir: string;
}

/** The framework's defaults (Serverless Framework v3). */
const DEFAULTS = {
  stage: 'dev',
  region: 'us-east-1',
  timeoutSeconds: 6,
  routeSelectionExpression: '$request.body.action',
  identitySource: ['route.request.header.Auth'],
};

const API_ID = 'WebsocketsApi';

export function serveServerlessConfig(input: ServerlessInput, options: AppOptions): ServedApp {
  const fail: (problem: string, path: TemplatePath) => never = (problem, path) => {
    throw new ConfigError(problem, { file: input.file, line: nearestLine(input.locate, path), path: renderPath(path) });
  };
  if (!isObject(input.data)) fail('serverless.yml is a mapping with service, provider and functions', []);
  const document = input.data as Record<string, unknown>;
  let stage: string | undefined;
  let region: string | undefined;
  const variables: ServerlessVariables = new ServerlessVariables(document, {
    stage: options.stage,
    region: options.region,
    slsStage: (): string =>
      (stage ??= options.stage ?? stringOr(variables.resolveAt(['provider', 'stage']), DEFAULTS.stage)),
    awsRegion: (): string => (region ??= stringOr(variables.resolveAt(['provider', 'region']), DEFAULTS.region)),
    accountId: LOCAL_ACCOUNT_ID,
    env: process.env,
    fail,
  });
  const provider = variables.resolveAt(['provider']);
  if (!isObject(provider) || provider.name !== 'aws') fail('provider.name must be aws', ['provider']);
  const serviceValue = variables.resolveAt(['service']);
  const service =
    typeof serviceValue === 'string' ? serviceValue : isObject(serviceValue) ? serviceValue.name : undefined;
  if (typeof service !== 'string' || service === '') fail('service must name the service', ['service']);
  stage = options.stage ?? stringOr(provider.stage, DEFAULTS.stage);
  region = options.region ?? stringOr(provider.region, DEFAULTS.region);
  const notices = new AppNotices();
  const compiled = new ServiceCompiler(
    { service, stage, provider, baseDir: input.baseDir, notices, fail },
    variables,
  ).compile();
  const template = readTemplate(
    {
      file: input.file,
      data: compiled.template,
      locate: input.locate,
      sectionPath: (section) => ['resources', section],
      baseDir: input.baseDir,
      stackName: `${service}-${stage}`,
      locateCode: localCodeLocator(input.baseDir),
    },
    { ...options, stage, region },
  );
  // Errors about generated resources point at the functions and events they come from.
  for (const [logicalId, path] of compiled.origins) {
    const resource = template.resources.get(logicalId);
    if (resource) resource.path = path;
  }
  const served = serveReadTemplate(
    template,
    { baseDir: input.baseDir, locateCode: localCodeLocator(input.baseDir) },
    { ...options, stage, region, api: API_ID },
    notices,
  );
  return { ...served, kind: AppKind.serverless };
}

interface ServiceContext {
  service: string;
  stage: string;
  provider: Record<string, unknown>;
  baseDir: string;
  notices: AppNotices;
  fail(problem: string, path: TemplatePath): never;
}

class ServiceCompiler {
  readonly #context: ServiceContext;
  readonly #variables: ServerlessVariables;
  readonly #resources: Record<string, unknown> = {};
  readonly #origins = new Map<string, TemplatePath>();

  constructor(context: ServiceContext, variables: ServerlessVariables) {
    this.#context = context;
    this.#variables = variables;
  }

  compile(): { template: Record<string, unknown>; origins: Map<string, TemplatePath> } {
    const { provider, notices } = this.#context;
    const fail: ServiceContext['fail'] = this.#context.fail;
    const functions = this.#variables.resolveAt(['functions']) ?? {};
    if (!isObject(functions)) fail('functions maps function names to functions', ['functions']);
    const plugins = this.#variables.resolveAt(['plugins']);
    if (Array.isArray(plugins) && plugins.length > 0) {
      notices.note(`plugins are not run (handlers load as they are, TypeScript included): ${plugins.join(', ')}`);
    }
    this.#add(API_ID, ['provider'], {
      Type: 'AWS::ApiGatewayV2::Api',
      Properties: {
        Name: stringOr(provider.websocketsApiName, `${this.#context.stage}-${this.#context.service}-websockets`),
        ProtocolType: 'WEBSOCKET',
        RouteSelectionExpression: stringOr(
          provider.websocketsApiRouteSelectionExpression,
          DEFAULTS.routeSelectionExpression,
        ),
      },
    });
    this.#add('WebsocketsDeploymentStage', ['provider'], {
      Type: 'AWS::ApiGatewayV2::Stage',
      Properties: { ApiId: { Ref: API_ID }, StageName: this.#context.stage, ...this.#accessLog() },
    });
    let routes = 0;
    const otherEvents = new Map<string, string[]>();
    for (const [name, fn] of Object.entries(functions)) {
      const path = ['functions', name];
      if (!isObject(fn)) fail('a function is a mapping with a handler', path);
      this.#function(name, fn);
      const events = fn.events ?? [];
      if (!Array.isArray(events)) fail('events is a list', [...path, 'events']);
      for (const [index, event] of events.entries()) {
        const eventPath = [...path, 'events', index];
        if (isObject(event) && 'websocket' in event) {
          this.#websocketEvent(name, event.websocket, eventPath);
          routes++;
        } else {
          const type = isObject(event) ? (Object.keys(event)[0] ?? 'unknown') : String(event);
          otherEvents.set(type, [...(otherEvents.get(type) ?? []), name]);
        }
      }
    }
    if (routes === 0) fail('no function has a websocket event: there is no WebSocket API to serve', ['functions']);
    for (const [type, names] of otherEvents) notices.note(`${type} events are not emulated: ${names.join(', ')}`);
    return {
      template: { ...this.#resourcesSection(), Resources: { ...this.#userResources(), ...this.#resources } },
      origins: this.#origins,
    };
  }

  #function(name: string, fn: Record<string, unknown>): void {
    const { provider, baseDir, service, stage } = this.#context;
    const fail: ServiceContext['fail'] = this.#context.fail;
    const path = ['functions', name];
    if (fn.image !== undefined)
      fail('container image functions cannot run here: only Node.js functions from local code do', [...path, 'image']);
    const runtime = stringOr(fn.runtime, stringOr(provider.runtime, 'nodejs20.x'));
    if (!/^nodejs\d+\.x$/.test(runtime)) {
      fail(
        `runtime ${runtime} cannot run here: only Node.js functions (nodejs*.x) run in the gateway`,
        fn.runtime ? [...path, 'runtime'] : ['provider', 'runtime'],
      );
    }
    if (typeof fn.handler !== 'string') fail('a function needs a handler (file.export)', path);
    resolveHandler(fn.handler, baseDir, (problem) => fail(problem, [...path, 'handler']));
    const environment = {
      ...this.#environment(provider.environment, ['provider', 'environment']),
      ...this.#environment(fn.environment, [...path, 'environment']),
    };
    // A SAM function for its CodeUri: the code is the service's folder.
    this.#add(`${normalizeName(name)}LambdaFunction`, path, {
      Type: 'AWS::Serverless::Function',
      Properties: {
        CodeUri: '.',
        FunctionName: stringOr(fn.name, `${service}-${stage}-${name}`),
        Handler: fn.handler,
        Runtime: runtime,
        Timeout: fn.timeout ?? provider.timeout ?? DEFAULTS.timeoutSeconds,
        Environment: { Variables: environment },
      },
    });
  }

  #environment(value: unknown, path: TemplatePath): Record<string, unknown> {
    if (value === undefined) return {};
    if (!isObject(value)) this.#context.fail('environment maps variable names to values', path);
    return value;
  }

  #websocketEvent(functionName: string, event: unknown, path: TemplatePath): void {
    const fail: ServiceContext['fail'] = this.#context.fail;
    const settings = typeof event === 'string' ? { route: event } : event;
    if (!isObject(settings) || typeof settings.route !== 'string' || settings.route === '') {
      fail('a websocket event names its route: websocket: $connect, or websocket: { route: ... }', [
        ...path,
        'websocket',
      ]);
    }
    const route = settings.route;
    const fnId = `${normalizeName(functionName)}LambdaFunction`;
    const integrationId = `${normalizeName(functionName)}WebsocketsIntegration`;
    this.#add(integrationId, path, {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: API_ID },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: lambdaUri({ 'Fn::GetAtt': [fnId, 'Arn'] }),
      },
    });
    const routeId = `${normalizeName(route.replace(/[^A-Za-z0-9]/g, ''))}WebsocketsRoute`;
    const authorizer =
      settings.authorizer === undefined
        ? undefined
        : this.#authorizer(settings.authorizer, [...path, 'websocket', 'authorizer']);
    if (authorizer && route !== '$connect')
      fail('only the $connect route can have an authorizer', [...path, 'websocket', 'authorizer']);
    this.#add(routeId, path, {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: API_ID },
        RouteKey: route,
        Target: `integrations/${integrationId}`,
        AuthorizationType: authorizer ? 'CUSTOM' : 'NONE',
        ...(authorizer && { AuthorizerId: { Ref: authorizer } }),
        ...(typeof settings.routeResponseSelectionExpression === 'string' && {
          RouteResponseSelectionExpression: settings.routeResponseSelectionExpression,
        }),
      },
    });
    if (typeof settings.routeResponseSelectionExpression === 'string') {
      this.#add(`${routeId}Response`, path, {
        Type: 'AWS::ApiGatewayV2::RouteResponse',
        Properties: { ApiId: { Ref: API_ID }, RouteId: { Ref: routeId }, RouteResponseKey: '$default' },
      });
    }
  }

  /** `authorizer: auth`, `authorizer: <function ARN>`, or `{ name | arn, identitySource }`; returns its logical id. */
  #authorizer(value: unknown, path: TemplatePath): string {
    const settings = typeof value === 'string' ? (value.includes(':') ? { arn: value } : { name: value }) : value;
    if (!isObject(settings) || (typeof settings.name !== 'string' && settings.arn === undefined)) {
      this.#context.fail('an authorizer is a function name, a function ARN, or { name | arn, identitySource }', path);
    }
    const name =
      typeof settings.name === 'string' ? settings.name : (String(settings.arn).split(':').pop() ?? 'authorizer');
    const target = settings.arn ?? { 'Fn::GetAtt': [`${normalizeName(name)}LambdaFunction`, 'Arn'] };
    const id = `${normalizeName(name)}WebsocketsAuthorizer`;
    this.#add(id, path, {
      Type: 'AWS::ApiGatewayV2::Authorizer',
      Properties: {
        ApiId: { Ref: API_ID },
        Name: name,
        AuthorizerType: 'REQUEST',
        AuthorizerUri: lambdaUri(target),
        IdentitySource: settings.identitySource ?? DEFAULTS.identitySource,
      },
    });
    return id;
  }

  /** `provider.logs.websocket`: access logs in the given format, else the gateway's common log format. */
  #accessLog(): Record<string, unknown> {
    const logs = this.#context.provider.logs;
    const websocket = isObject(logs) ? logs.websocket : undefined;
    if (!websocket || (isObject(websocket) && websocket.accessLogging === false)) return {};
    const format = isObject(websocket) && typeof websocket.format === 'string' ? websocket.format : 'clf';
    return { AccessLogSettings: { Format: format } };
  }

  /** `resources` (one mapping, or a list of fragments) holds CloudFormation sections. */
  #fragments(): Record<string, unknown>[] {
    const resources = this.#variables.resolveAt(['resources']);
    if (resources === undefined) return [];
    const fragments = Array.isArray(resources) ? resources : [resources];
    return fragments.map((fragment, index) =>
      isObject(fragment)
        ? fragment
        : this.#context.fail('resources holds CloudFormation sections', ['resources', index]),
    );
  }

  #userResources(): Record<string, unknown> {
    return Object.assign(
      {},
      ...this.#fragments().map((fragment) => (isObject(fragment.Resources) ? fragment.Resources : {})),
    );
  }

  #resourcesSection(): Record<string, unknown> {
    const sections: Record<string, unknown> = {};
    for (const fragment of this.#fragments()) {
      for (const section of ['Conditions', 'Mappings', 'Outputs', 'Parameters']) {
        if (isObject(fragment[section])) sections[section] = { ...(sections[section] as object), ...fragment[section] };
      }
    }
    return sections;
  }

  #add(logicalId: string, origin: TemplatePath, resource: Record<string, unknown>): void {
    this.#resources[logicalId] = resource;
    this.#origins.set(logicalId, origin);
  }
}

/** The framework's logical-id form of a name: `my-fn_x` -> `MyDashfnUnderscorex`. */
function normalizeName(name: string): string {
  const replaced = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return replaced.charAt(0).toUpperCase() + replaced.slice(1);
}

function lambdaUri(functionArn: unknown): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:aws:apigateway:',
        { Ref: 'AWS::Region' },
        ':lambda:path/2015-03-31/functions/',
        functionArn,
        '/invocations',
      ],
    ],
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
