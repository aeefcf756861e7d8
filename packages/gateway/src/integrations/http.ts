/**
 * HTTP and HTTP_PROXY integrations (spec 7): a route answered by an HTTP backend.
 *
 * - `HTTP_PROXY` sends the message body as is and returns the backend's status and body.
 * - `HTTP` is a non-proxy integration (non-proxy-integration.ts): the request template
 *   chosen by `templateSelectionExpression` makes the request body, and the integration
 *   response whose key matches the backend status (`/2\d\d/`, `$default` as fallback)
 *   shapes the backend body.
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
import { ConfigError } from '../errors.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, sendBackendRequest } from './backend-request.ts';
import type { Integration, IntegrationResult, InvocationRequest } from './integration.ts';
import type { BackendAnswer } from './integration-responses.ts';
import type { BackendCall } from './non-proxy-integration.ts';
import { nonProxyIntegration } from './non-proxy-integration.ts';
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
  /**
   * Largest response body read from the backend; a larger one fails the call
   * without being read further (`limits.maxIntegrationResponseBytes`).
   * @default 1048576
   */
  maxResponseBytes?: number;
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
  const maxResponseBytes = settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const call = async ({ event, body, deadline }: BackendCall): Promise<BackendAnswer> => {
    const mapped = parameters.evaluate(event, stageVariables);
    const url = new URL(uri.replace(PLACEHOLDER, (_, name: string) => encodeURIComponent(mapped.path[name] ?? '')));
    for (const [name, value] of mapped.querystring) url.searchParams.append(name, value);
    const headers = new Headers();
    for (const [name, value] of mapped.headers) headers.append(name, value);
    const answer = await sendBackendRequest('HTTP integration', url, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
      deadline,
      maxResponseBytes,
    });
    return { ...answer, selectionValue: String(answer.status) };
  };

  if (definition.type === 'HTTP') {
    return nonProxyIntegration(definition, { call, async close() {} }, { stageVariables, configPath });
  }
  if (definition.type !== 'HTTP_PROXY') {
    throw new ConfigError(`type must be HTTP or HTTP_PROXY, got ${JSON.stringify(definition.type)}`, {
      path: `${configPath}.type`,
    });
  }
  for (const key of NON_PROXY_KEYS) {
    if (definition[key] !== undefined) {
      throw new ConfigError(`${key} applies to type HTTP only; HTTP_PROXY passes bodies through as they are`, {
        path: `${configPath}.${key}`,
      });
    }
  }
  return {
    async invoke({ event, deadline }: InvocationRequest): Promise<IntegrationResult> {
      // Spec 7: HTTP_PROXY passes the body both ways as is ("the complete payload").
      const { status, body } = await call({ event, body: event.body, deadline });
      const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
      return text ? { statusCode: status, body: text } : { statusCode: status };
    },
    // Requests go through the process-wide fetch dispatcher; there is nothing of our own to release.
    async close() {},
  };
}

const NON_PROXY_KEYS = [
  'requestTemplates',
  'templateSelectionExpression',
  'passthroughBehavior',
  'contentHandling',
  'responses',
] as const;

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
