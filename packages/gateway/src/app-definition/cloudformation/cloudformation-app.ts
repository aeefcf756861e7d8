/**
 * Serves a CloudFormation or SAM template: its WebSocket API with the functions it
 * invokes. Every other resource is accounted for: understood and without local
 * effect (IAM, permissions, log groups), or listed once at start-up as not emulated.
 */
import type { Locate } from '../../config/validate.ts';
import { validateDefinition } from '../../config/validate.ts';
import type { GatewayDefinition } from '../../definition.ts';
import { ConfigError } from '../../errors.ts';
import { AppNotices } from '../app-notices.ts';
import { AppKind, type AppOptions, LOCAL_ACCOUNT_ID, regionOf, type ServedApp } from '../served-app.ts';
import { readTables, TABLE_TYPES } from './dynamodb-tables.ts';
import type { TemplatePath } from './intrinsics.ts';
import { type CodeLocator, FUNCTION_TYPES, TemplateFunctions } from './lambda-functions.ts';
import { applyServerlessTransform, SAM_TRANSFORM } from './serverless-transform.ts';
import { CloudFormationTemplate, type TemplateResource, type TemplateSource } from './template.ts';
import { translateWebSocketApi, webSocketApis } from './websocket-api.ts';

/** The parts of a WebSocket API that the gateway serves. */
const API_PARTS = new Set([
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::RouteResponse',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::IntegrationResponse',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Model',
  'AWS::ApiGatewayV2::Stage',
]);

/** Resource types that have no effect on a local run: read, and deliberately not acted on. */
const WITHOUT_LOCAL_EFFECT = new Set([
  'AWS::Lambda::Permission',
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::Logs::LogGroup',
  'AWS::ApiGateway::Account',
  'AWS::ApiGatewayV2::Deployment',
  'AWS::CDK::Metadata',
]);

export interface TemplateInput {
  /** The app's own folder, where local data is kept. @default baseDir */
  projectDir?: string;
  /** The file as the user named it, for errors. */
  file: string;
  data: unknown;
  locate: Locate;
  baseDir: string;
  stackName: string;
  locateCode: CodeLocator;
  /** Values other stacks export (a CDK app's), for `Fn::ImportValue`. */
  exports?: ReadonlyMap<string, () => unknown>;
  sectionPath?: TemplateSource['sectionPath'];
}

export function serveTemplate(input: TemplateInput, options: AppOptions): ServedApp {
  return serveReadTemplate(readTemplate(input, options), input, options);
}

/** Serves a template already read (a CDK app's stack, chosen among others); `notices` may hold the other stacks' notes. */
export function serveReadTemplate(
  template: CloudFormationTemplate,
  input: Pick<TemplateInput, 'baseDir' | 'locateCode' | 'projectDir'>,
  options: AppOptions,
  notices = new AppNotices(),
): ServedApp {
  const apis = webSocketApis(template);
  const api = chooseApi(template, apis, options.api);
  const functions = new TemplateFunctions(template, input.locateCode);
  const translated = translateWebSocketApi(template, api, {
    functions,
    notices,
    ...(options.stage !== undefined && { stage: options.stage }),
  });
  if (Object.keys(translated.definition.routes).length === 0) {
    template.fail(
      `the WebSocket API has no route the gateway can serve: ${notices.lines().join('; ') || 'it has no routes'}`,
      api.path,
    );
  }
  const definition = validateAgainstTemplate(template, translated.definition, translated.origins);
  accountForResources(template, api, functions.used, notices);
  return {
    kind: template.transforms.includes(SAM_TRANSFORM) ? AppKind.sam : AppKind.cloudFormation,
    definition,
    baseDir: input.baseDir,
    projectDir: input.projectDir ?? input.baseDir,
    tables: readTables(template),
    notices: notices.lines(),
  };
}

export function readTemplate(input: TemplateInput, options: AppOptions): CloudFormationTemplate {
  const template = new CloudFormationTemplate(input, {
    region: regionOf(options),
    accountId: LOCAL_ACCOUNT_ID,
    stackName: input.stackName,
    parameterOverrides: options.parameterOverrides ?? {},
    ...(input.exports && { exports: input.exports }),
  });
  for (const name of Object.keys(options.parameterOverrides ?? {})) {
    if (!template.declaresParameter(name)) {
      throw new ConfigError(`--parameter-overrides names ${name}, which the template does not declare`, {
        file: input.file,
      });
    }
  }
  applyServerlessTransform(template);
  return template;
}

function chooseApi(
  template: CloudFormationTemplate,
  apis: TemplateResource[],
  wanted: string | undefined,
): TemplateResource {
  const ids = apis.map((api) => api.logicalId).join(', ');
  if (wanted !== undefined) {
    const api = apis.find((candidate) => candidate.logicalId === wanted);
    if (!api) template.fail(`--api ${wanted}: the template's WebSocket APIs are ${ids || 'none'}`, ['Resources']);
    return api;
  }
  const [only, second] = apis;
  if (!only) {
    template.fail(
      'the template defines no WebSocket API (AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET, or AWS::Serverless::WebSocketApi)',
      ['Resources'],
    );
  }
  if (second) template.fail(`the template has several WebSocket APIs (${ids}): choose one with --api`, ['Resources']);
  return only;
}

/**
 * The gateway checks the definition once more; a problem it finds is reported at
 * the template resource the setting came from.
 */
function validateAgainstTemplate(
  template: CloudFormationTemplate,
  definition: GatewayDefinition,
  origins: Map<string, TemplatePath>,
): GatewayDefinition {
  try {
    return validateDefinition(definition);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const setting = error.location.path ?? '';
    let origin: TemplatePath = ['Resources'];
    let matched = '';
    for (const [prefix, path] of origins) {
      if ((setting === prefix || setting.startsWith(`${prefix}.`)) && prefix.length > matched.length) {
        origin = path;
        matched = prefix;
      }
    }
    return template.fail(error.problem, origin);
  }
}

/** Names what the run leaves out; `api` is the served API, if this template has it. */
export function accountForResources(
  template: CloudFormationTemplate,
  api: TemplateResource | undefined,
  usedFunctions: ReadonlySet<string>,
  notices: AppNotices,
): void {
  const unattached: string[] = [];
  const apiId = api && template.ref(api.logicalId, api.path);
  for (const resource of template.resources.values()) {
    if (!template.includes(resource) || resource === api || WITHOUT_LOCAL_EFFECT.has(resource.type)) continue;
    if ((TABLE_TYPES as readonly string[]).includes(resource.type)) continue;
    if ((FUNCTION_TYPES as readonly string[]).includes(resource.type)) {
      if (!usedFunctions.has(resource.logicalId)) unattached.push(resource.logicalId);
    } else if (!API_PARTS.has(resource.type) || template.property(resource, 'ApiId') !== apiId) {
      notices.notEmulated(resource.type, resource.logicalId);
    }
  }
  if (unattached.length > 0) {
    notices.note(`functions the WebSocket API does not invoke are not run: ${unattached.join(', ')}`);
  }
}
