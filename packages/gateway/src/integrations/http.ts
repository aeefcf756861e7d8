/**
 * HTTP and HTTP_PROXY integrations (spec 7): a route answered by an HTTP backend.
 *
 * - `HTTP_PROXY` sends the message body as is and returns the backend's status and body.
 * - `HTTP` renders the request template chosen by `templateSelectionExpression`
 *   (the raw body when none applies), then picks the integration response whose key
 *   matches the backend status (`/2\d\d/`-style regexes, `$default` as fallback) and
 *   renders its template over the backend body (the body passes through without one).
 *
 * Both apply `requestParameters`, as the connectionId reaches a backend only through
 * a mapping such as `integration.request.header.connectionId: context.connectionId`.
 *
 * Our documented choices where AWS's behaviour is unverified (spec 7, 12):
 * - The backend status is the result's `statusCode`, so on `$connect` a non-2xx
 *   backend status rejects the handshake with that status, like a Lambda's `statusCode`.
 * - Handshake headers are not forwarded on `$connect` (map them with
 *   `route.request.header.NAME`), and backend headers are not copied to the result,
 *   so an HTTP `$connect` cannot choose a subprotocol.
 * - An empty backend (or rendered) body means nothing is sent on a two-way route.
 * - Redirects are returned as they are, not followed.
 * - `GET` and `HEAD` requests carry no body.
 */

import type { HttpIntegrationDefinition } from '../definition.ts';
import { ConfigError, GatewayError } from '../errors.ts';
import type { WebSocketEvent } from '../events.ts';
import type { SelectionExpression } from '../routing/selection-expression.ts';
import { compileSelectionExpression } from '../routing/selection-expression.ts';
import type { Integration, IntegrationResult, InvocationRequest } from './integration.ts';
import { IntegrationTimeoutError } from './integration.ts';
import type { MappingTemplate } from './mapping-template.ts';
import { compileMappingTemplate, parseJsonOrUndefined } from './mapping-template.ts';
import { compileRequestParameters } from './request-parameters.ts';

export interface HttpIntegrationSettings {
  /** The stage's variables, for `${stageVariables.NAME}` in the URI, mappings and templates. */
  stageVariables: Record<string, string>;
  /**
   * Where the definition sits in the config; prefixes the `path` of ConfigErrors.
   * @default 'integration'
   * @example 'routes.sendmessage.integration'
   */
  configPath?: string;
}

/**
 * Builds an HTTP or HTTP_PROXY integration. Throws a ConfigError (code `SB_ERR_CONFIG`)
 * naming the bad entry when the definition is invalid; `invoke` rejects with
 * IntegrationTimeoutError at the deadline and with an Error (its `cause` is the network
 * error) when the backend cannot be reached.
 *
 * @example
 * const integration = httpIntegration(
 *   {
 *     type: 'HTTP_PROXY',
 *     uri: 'http://${stageVariables.backend}/messages',
 *     requestParameters: { 'integration.request.header.connectionId': 'context.connectionId' },
 *   },
 *   { stageVariables: { backend: '127.0.0.1:8080' }, configPath: 'routes.sendmessage.integration' },
 * );
 * const result = await integration.invoke({ event, deadline: Date.now() + 29_000 });
 */
export function httpIntegration(definition: HttpIntegrationDefinition, settings: HttpIntegrationSettings): Integration {
  const configPath = settings.configPath ?? 'integration';
  const stageVariables = { ...settings.stageVariables };
  const parameters = compileRequestParameters({ ...definition.requestParameters }, `${configPath}.requestParameters`);
  const uri = compileUri(definition.uri, stageVariables, parameters.pathNames, configPath);
  const method = compileMethod(definition.method ?? 'POST', configPath);
  const transform = compileTransform(definition, configPath);

  return {
    async invoke({ event, deadline }: InvocationRequest): Promise<IntegrationResult> {
      const mapped = parameters.evaluate(event, stageVariables);
      const url = new URL(uri.replace(PLACEHOLDER, (_, name: string) => encodeURIComponent(mapped.path[name] ?? '')));
      for (const [name, value] of mapped.querystring) url.searchParams.append(name, value);
      const headers = new Headers();
      for (const [name, value] of mapped.headers) headers.append(name, value);
      const requestBody = transform.requestBody(event, stageVariables);
      const { status, text } = await send(url, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : requestBody,
        deadline,
      });
      const body = transform.responseBody(status, text, event, stageVariables);
      return body ? { statusCode: status, body } : { statusCode: status };
    },
    // Requests go through the process-wide fetch dispatcher; there is nothing of our own to release.
    async close() {},
  };
}

/** `{name}` placeholders filled from `integration.request.path.name` mappings. */
const PLACEHOLDER = /\{([a-zA-Z0-9._$-]+)\}/g;
const STAGE_VARIABLE = /\$\{stageVariables\.([A-Za-z0-9_]+)\}/g;

/** Substitutes stage variables once (spec 7: they may be used in integration URIs) and checks the result. */
function compileUri(
  template: unknown,
  stageVariables: Record<string, string>,
  pathNames: readonly string[],
  configPath: string,
): string {
  const path = `${configPath}.uri`;
  if (typeof template !== 'string' || template === '') {
    throw new ConfigError('uri must be a non-empty http:// or https:// URL', { path });
  }
  const uri = template.replace(STAGE_VARIABLE, (_, name: string) => {
    const value = stageVariables[name];
    if (value === undefined) throw new ConfigError(`uri uses stage variable "${name}", which is not defined`, { path });
    return value;
  });
  const placeholders = new Set(Array.from(uri.matchAll(PLACEHOLDER), (match) => match[1]));
  for (const name of pathNames) {
    if (!placeholders.has(name)) {
      throw new ConfigError(`uri has no {${name}} placeholder for integration.request.path.${name}`, { path });
    }
  }
  let url: URL;
  try {
    url = new URL(uri.replace(PLACEHOLDER, 'x'));
  } catch (error) {
    throw new ConfigError(`uri "${uri}" is not a valid URL`, { path }, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`uri "${uri}" must use http:// or https://`, { path });
  }
  return uri;
}

function compileMethod(method: unknown, configPath: string): string {
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) {
    throw new ConfigError(`method must be an HTTP method such as POST, got ${JSON.stringify(method)}`, {
      path: `${configPath}.method`,
    });
  }
  return method.toUpperCase();
}

/** How the request body and the result body are made from the event and the backend's answer. */
interface Transform {
  requestBody(event: WebSocketEvent, stageVariables: Record<string, string>): string | undefined;
  responseBody(
    status: number,
    text: string,
    event: WebSocketEvent,
    stageVariables: Record<string, string>,
  ): string | undefined;
}

/** HTTP_PROXY: the body both ways as is (spec 7: "the complete payload"). */
const PROXY_TRANSFORM: Transform = {
  requestBody: (event) => event.body,
  responseBody: (_status, text) => text,
};

function compileTransform(definition: HttpIntegrationDefinition, configPath: string): Transform {
  if (definition.type === 'HTTP_PROXY') {
    for (const key of ['requestTemplates', 'templateSelectionExpression', 'responses'] as const) {
      if (definition[key] !== undefined) {
        throw new ConfigError(`${key} applies to type HTTP only; HTTP_PROXY passes bodies through as they are`, {
          path: `${configPath}.${key}`,
        });
      }
    }
    return PROXY_TRANSFORM;
  }
  if (definition.type !== 'HTTP') {
    throw new ConfigError(`type must be HTTP or HTTP_PROXY, got ${JSON.stringify(definition.type)}`, {
      path: `${configPath}.type`,
    });
  }
  const templates = compileTemplates(definition.requestTemplates ?? {}, `${configPath}.requestTemplates`);
  const selection = compileTemplateSelection(
    definition.templateSelectionExpression ?? '$default',
    `${configPath}.templateSelectionExpression`,
  );
  const responses = compileResponses(definition.responses ?? {}, `${configPath}.responses`);
  return {
    requestBody(event, stageVariables) {
      const template = templates.get(selectTemplateKey(selection, event.body, templates)) ?? templates.get('$default');
      // No matching template: the body passes through (API Gateway's WHEN_NO_MATCH default).
      if (!template) return event.body;
      return template.render({ body: event.body ?? '', requestContext: event.requestContext, stageVariables });
    },
    responseBody(status, text, event, stageVariables) {
      // Spec 7: for HTTP the integration response selection expression is the status code.
      const code = String(status);
      const response = responses.matching.find((candidate) => candidate.pattern.test(code)) ?? responses.fallback;
      if (!response?.template) return text;
      return response.template.render({ body: text, requestContext: event.requestContext, stageVariables });
    },
  };
}

function compileTemplates(source: Record<string, string>, path: string): Map<string, MappingTemplate> {
  const templates = new Map<string, MappingTemplate>();
  for (const [key, template] of Object.entries(source)) {
    if (typeof template !== 'string')
      throw new ConfigError('request template must be a string', { path: `${path}.${key}` });
    templates.set(key, compileMappingTemplate(template, `${path}.${key}`));
  }
  return templates;
}

/** `undefined` stands for the plain `$default` expression, which always selects `$default`. */
function compileTemplateSelection(source: string, path: string): SelectionExpression | undefined {
  if (source === '$default') return undefined;
  try {
    return compileSelectionExpression(source);
  } catch (error) {
    if (error instanceof GatewayError) throw new ConfigError(error.message, { path }, { cause: error });
    throw error;
  }
}

function selectTemplateKey(
  selection: SelectionExpression | undefined,
  body: string | undefined,
  templates: Map<string, MappingTemplate>,
): string {
  if (!selection) return '$default';
  let parsed: unknown;
  if (selection.usesBody) {
    parsed = parseJsonOrUndefined(body);
    // Spec 2 rule 7: a body that is not JSON selects `$default`.
    if (parsed === undefined) return '$default';
  }
  const key = selection.evaluate(parsed);
  return templates.has(key) ? key : '$default';
}

interface IntegrationResponses {
  /** The regex keys, in definition order. */
  matching: Array<{ pattern: RegExp; template: MappingTemplate | undefined }>;
  /** The `$default` key. */
  fallback: { template: MappingTemplate | undefined } | undefined;
}

/**
 * Keys are `$default` or a regex in slashes (spec 7). Like API Gateway's selection
 * patterns, a regex must match the whole status code; the first matching key in
 * definition order wins.
 */
function compileResponses(source: Record<string, { template?: string }>, path: string): IntegrationResponses {
  const responses: IntegrationResponses = { matching: [], fallback: undefined };
  for (const [key, response] of Object.entries(source)) {
    const entryPath = `${path}.${key}`;
    const template =
      response?.template === undefined ? undefined : compileMappingTemplate(response.template, `${entryPath}.template`);
    if (key === '$default') {
      responses.fallback = { template };
      continue;
    }
    if (key.length < 3 || !key.startsWith('/') || !key.endsWith('/')) {
      throw new ConfigError(
        `integration response key "${key}" must be $default or a regex in slashes, e.g. /2\\d\\d/`,
        {
          path: entryPath,
        },
      );
    }
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${key.slice(1, -1)})$`);
    } catch (error) {
      throw new ConfigError(
        `integration response key "${key}" is not a valid regex`,
        { path: entryPath },
        { cause: error },
      );
    }
    responses.matching.push({ pattern, template });
  }
  return responses;
}

interface BackendRequest {
  method: string;
  headers: Headers;
  body: string | undefined;
  deadline: number;
}

/** One backend call, aborted at the deadline (the socket is released, not left to finish). */
async function send(url: URL, request: BackendRequest): Promise<{ status: number; text: string }> {
  const timeoutMs = request.deadline - Date.now();
  if (timeoutMs <= 0) throw new IntegrationTimeoutError(0);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    if (signal.aborted) throw new IntegrationTimeoutError(timeoutMs);
    const reason = error instanceof Error ? describe(error) : String(error);
    throw new Error(`HTTP integration ${request.method} ${url.origin}${url.pathname} failed: ${reason}`, {
      cause: error,
    });
  }
}

/** fetch reports "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in `cause`. */
function describe(error: Error): string {
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
