/**
 * Request parameter mapping for HTTP integrations (spec 7): API Gateway's
 * `RequestParameters`, e.g. `{"integration.request.header.connectionId": "context.connectionId"}`.
 * HTTP backends get the connectionId only through such a mapping.
 *
 * Destinations: `integration.request.header.NAME`, `integration.request.querystring.NAME`,
 * `integration.request.path.NAME` (fills `{NAME}` in the integration URI).
 *
 * Sources (spec 7 table):
 * - `context.NAME`: a `$context` variable (spec 8), any route;
 * - `stageVariables.NAME`, any route;
 * - `'static value'` in single quotes, any route;
 * - `route.request.body.JSONPATH` (`$.a.b` or `a.b`), any route with a JSON body;
 * - `route.request.header.NAME`, `route.request.multivalueheader.NAME` (case-insensitive),
 *   `route.request.querystring.NAME`, `route.request.multivaluequerystring.NAME`:
 *   `$connect` only, as only the handshake has headers and a query string.
 *
 * A source that resolves to nothing leaves its destination out of the request.
 */

import { contextVariable } from '../context-variables.ts';
import { ConfigError } from '../errors.ts';
import type { WebSocketEvent } from '../events.ts';
import { JsonSyntaxError, parseJsonValue } from './vtl/json.ts';
import type { JsonPath } from './vtl/json-path.ts';
import { compileJsonPath, evaluateJsonPath, JsonPathError } from './vtl/json-path.ts';
import type { VtlValue } from './vtl/values.ts';
import { toJsonText } from './vtl/values.ts';

/** The values to put on one backend request, in definition order. */
export interface MappedParameters {
  /** Header name and value; a multi-value source gives one entry per value. */
  headers: Array<[string, string]>;
  /** Query parameter name and value; a multi-value source gives one entry per value. */
  querystring: Array<[string, string]>;
  /** Path parameter values by name; multiple values are joined with `,`. */
  path: Record<string, string>;
}

export interface RequestParameterMapping {
  /** Names of the `integration.request.path.NAME` destinations. */
  readonly pathNames: readonly string[];
  evaluate(event: WebSocketEvent, stageVariables: Record<string, string>): MappedParameters;
}

/**
 * Validates and compiles a `requestParameters` map. `configPath` locates it in errors,
 * e.g. `routes.sendmessage.integration.requestParameters`; each bad entry is reported as
 * `<configPath>.<key>`.
 *
 * @example
 * const mapping = compileRequestParameters(
 *   { 'integration.request.header.connectionId': 'context.connectionId' },
 *   'routes.$default.integration.requestParameters',
 * );
 * mapping.evaluate(event, {}).headers; // [['connectionId', 'Abc123=']]
 */
export function compileRequestParameters(
  parameters: Record<string, string>,
  configPath: string,
): RequestParameterMapping {
  const entries = Object.entries(parameters).map(([key, value]) => compileEntry(key, value, `${configPath}.${key}`));
  return {
    pathNames: entries.filter((entry) => entry.destination === 'path').map((entry) => entry.name),
    evaluate(event: WebSocketEvent, stageVariables: Record<string, string>): MappedParameters {
      const mapped: MappedParameters = { headers: [], querystring: [], path: {} };
      const lookup = new SourceLookup(event, stageVariables);
      for (const entry of entries) {
        const values = lookup.values(entry.source);
        if (values.length === 0) continue;
        if (entry.destination === 'path') mapped.path[entry.name] = values.join(',');
        else for (const value of values) mapped[entry.destination].push([entry.name, value]);
      }
      return mapped;
    },
  };
}

type Destination = 'headers' | 'querystring' | 'path';

type Source =
  | { kind: 'static'; value: string }
  | { kind: 'context'; name: string }
  | { kind: 'stageVariable'; name: string }
  | { kind: 'body'; path: JsonPath }
  | { kind: 'header' | 'multivalueheader' | 'querystring' | 'multivaluequerystring'; name: string };

interface Entry {
  destination: Destination;
  name: string;
  source: Source;
}

/** Spec 7: "Parameter names must match `^[a-zA-Z0-9._$-]+$`". */
const PARAMETER_NAME = /^[a-zA-Z0-9._$-]+$/;
const DESTINATION = /^integration\.request\.(header|querystring|path)\.(.*)$/;
const ROUTE_SOURCE = /^route\.request\.(header|multivalueheader|querystring|multivaluequerystring)\.(.*)$/;
/** Headers the HTTP client sets itself; fetch rejects or drops mapped values for them. */
const CONNECTION_HEADERS = new Set([
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'expect',
  'content-length',
]);
const DESTINATIONS: Record<string, Destination> = { header: 'headers', querystring: 'querystring', path: 'path' };

function compileEntry(key: string, value: unknown, path: string): Entry {
  const destination = DESTINATION.exec(key);
  if (!destination) {
    throw new ConfigError(
      `request parameter "${key}" is not integration.request.header.NAME, integration.request.querystring.NAME or integration.request.path.NAME`,
      { path },
    );
  }
  const name = destination[2] ?? '';
  if (!PARAMETER_NAME.test(name)) {
    throw new ConfigError(`request parameter name "${name}" must match ${PARAMETER_NAME.source}`, { path });
  }
  if (destination[1] === 'header' && CONNECTION_HEADERS.has(name.toLowerCase())) {
    throw new ConfigError(`header "${name}" is managed by the HTTP connection and cannot be mapped`, { path });
  }
  if (typeof value !== 'string') {
    throw new ConfigError(`request parameter value must be a string, got ${typeof value}`, { path });
  }
  return { destination: DESTINATIONS[destination[1] ?? ''] as Destination, name, source: compileSource(value, path) };
}

function compileSource(value: string, path: string): Source {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    return { kind: 'static', value: value.slice(1, -1) };
  }
  if (value.startsWith('context.') && value.length > 'context.'.length) {
    return { kind: 'context', name: value.slice('context.'.length) };
  }
  if (value.startsWith('stageVariables.') && PARAMETER_NAME.test(value.slice('stageVariables.'.length))) {
    return { kind: 'stageVariable', name: value.slice('stageVariables.'.length) };
  }
  if (value.startsWith('route.request.body.')) {
    const expression = value.slice('route.request.body.'.length);
    const unsupported = `request parameter source "${value}" has an unsupported JSONPath (a parameter takes one value: use $.a.b, $.a[0] or a.b)`;
    let jsonPath: JsonPath;
    try {
      jsonPath = compileJsonPath(expression.startsWith('$') ? expression : `$.${expression}`);
    } catch (error) {
      if (!(error instanceof JsonPathError)) throw error;
      throw new ConfigError(`${unsupported}: ${error.message}`, { path }, { cause: error });
    }
    if (!jsonPath.definite) throw new ConfigError(unsupported, { path });
    return { kind: 'body', path: jsonPath };
  }
  const route = ROUTE_SOURCE.exec(value);
  if (route && PARAMETER_NAME.test(route[2] ?? '')) {
    return { kind: route[1] as 'header', name: route[2] as string };
  }
  throw new ConfigError(
    `request parameter source "${value}" is not one of context.NAME, stageVariables.NAME, 'static value', route.request.body.JSONPATH, route.request.(header|multivalueheader|querystring|multivaluequerystring).NAME`,
    { path },
  );
}

/** Resolves sources against one event; the body is parsed at most once. */
class SourceLookup {
  readonly #event: WebSocketEvent;
  readonly #stageVariables: Record<string, string>;
  #body: { value: VtlValue | undefined } | undefined;

  constructor(event: WebSocketEvent, stageVariables: Record<string, string>) {
    this.#event = event;
    this.#stageVariables = stageVariables;
    this.#body = undefined;
  }

  values(source: Source): string[] {
    const event = this.#event;
    switch (source.kind) {
      case 'static':
        return [source.value];
      case 'context':
        return present(contextVariable(event.requestContext, source.name));
      case 'stageVariable':
        return present(this.#stageVariables[source.name]);
      case 'body':
        return present(stringify(this.#bodyAt(source.path)));
    }
    // Spec 7: handshake headers and the query string exist on `$connect` only.
    if (event.requestContext.eventType !== 'CONNECT') return [];
    switch (source.kind) {
      case 'header':
        return present(findIgnoringCase(event.headers, source.name));
      case 'multivalueheader':
        return findIgnoringCase(event.multiValueHeaders, source.name) ?? [];
      case 'querystring':
        return present(event.queryStringParameters?.[source.name]);
      case 'multivaluequerystring':
        return event.multiValueQueryStringParameters?.[source.name] ?? [];
    }
  }

  /** The value at `path` in the body; the body is parsed at most once, and a non-JSON body has no values. */
  #bodyAt(path: JsonPath): VtlValue | undefined {
    if (this.#body === undefined) {
      let value: VtlValue | undefined;
      try {
        value = this.#event.body === undefined ? undefined : parseJsonValue(this.#event.body);
      } catch (error) {
        if (!(error instanceof JsonSyntaxError)) throw error;
      }
      this.#body = { value };
    }
    return this.#body.value === undefined ? undefined : evaluateJsonPath(this.#body.value, path);
  }
}

function present(value: string | undefined): string[] {
  return value === undefined ? [] : [value];
}

/** Strings as they are, other JSON values as JSON text; nothing for a missing value or `null`. */
function stringify(value: VtlValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : toJsonText(value);
}

function findIgnoringCase<T>(record: Record<string, T> | undefined, name: string): T | undefined {
  if (!record) return undefined;
  if (Object.hasOwn(record, name)) return record[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === lower) return record[key];
  return undefined;
}
