/**
 * Validation of a `GatewayDefinition`, whether it came from a config file or was
 * built in code. The structure is checked with a JSON Schema (`definition-schema.ts`),
 * then the rules a schema cannot state well: reserved route keys, handler
 * references, selection expressions and request models.
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { GatewayDefinition, RouteDefinition } from '../definition.ts';
import { ConfigError, GatewayError } from '../errors.ts';
import { compileTemplateSelection } from '../integrations/template-selection.ts';
import { compileSelectionExpression } from '../routing/selection-expression.ts';
import { compileRouteModels } from '../validation/models.ts';
import { definitionSchema } from './definition-schema.ts';

/** A key path into the definition: object keys and array indexes. */
export type DefinitionPath = (string | number)[];

/** Finds the line (1-based) of the key at `path` in the source file, if known. */
export type Locate = (path: DefinitionPath) => number | undefined;

/**
 * Checks a definition and returns a frozen deep copy (defaults are not applied;
 * the gateway applies them). Throws `ConfigError` naming the file, the line (when
 * `locate` knows it), the dotted path and how to fix the first problem found.
 *
 * @example
 * const definition = validateDefinition({ routes: { $default: { handler: echo } } });
 */
export function validateDefinition(definition: unknown, locate?: Locate, file?: string): GatewayDefinition {
  const fail = (problem: string, path: DefinitionPath): never => {
    throw new ConfigError(problem, { file, line: lineOf(path, locate), path: renderPath(path) });
  };
  if (!checkStructure(definition)) {
    const [error] = checkStructure.errors ?? [];
    if (error) {
      const { path, problem } = describeSchemaError(error, definition);
      fail(problem, path);
    }
  }
  const checked = definition as GatewayDefinition;
  checkExpression(checked.routeSelectionExpression, ['routeSelectionExpression'], fail);
  for (const [key, route] of Object.entries(checked.routes)) checkRoute(key, route, fail, locate, file);
  if (checked.authorizer) checkHandler(checked.authorizer.handler, ['authorizer', 'handler'], fail);
  if (checked.management?.access === 'signed' && !checked.management.credentials) {
    fail(
      'access "signed" needs management.credentials (accessKeyId and secretAccessKey) to verify signatures against',
      ['management', 'access'],
    );
  }
  return frozenCopy(checked);
}

type Fail = (problem: string, path: DefinitionPath) => never;

// Spec 2 rule 8: route keys beginning with `$` are reserved for these three.
const RESERVED_ROUTE_KEYS = new Set(['$connect', '$disconnect', '$default']);
const HANDLER_REFERENCE = /^[^#]+(#[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*)?$/;
const RESPONSE_KEY = /^\/(.+)\/$/;

const ajv = new Ajv({ verbose: true });
ajv.addKeyword({ keyword: 'hint', schemaType: 'string' });
const checkStructure = ajv.compile(definitionSchema);

function checkRoute(key: string, route: RouteDefinition, fail: Fail, locate?: Locate, file?: string): void {
  const at = ['routes', key];
  if (key.startsWith('$') && !RESERVED_ROUTE_KEYS.has(key)) {
    fail(
      `route keys starting with "$" are reserved for $connect, $disconnect and $default; rename "${key}" without the "$"`,
      at,
    );
  }
  if (route.handler === undefined && route.integration === undefined) {
    fail('a route needs a handler (e.g. handler: handlers.mjs#echo) or an integration', at);
  }
  if (route.handler !== undefined) checkHandler(route.handler, [...at, 'handler'], fail);
  if (route.integration) checkIntegration(route, [...at, 'integration'], fail);
  if (typeof route.routeResponse === 'object') {
    const { models, modelSelectionExpression } = route.routeResponse;
    // A route response's models are selected by `$default` on AWS (its usual value), or an expression.
    if (modelSelectionExpression !== '$default') {
      checkExpression(modelSelectionExpression, [...at, 'routeResponse', 'modelSelectionExpression'], fail);
    }
    if (models && Object.keys(models).length > 1 && modelSelectionExpression === undefined) {
      fail('several route response models need a modelSelectionExpression', [...at, 'routeResponse', 'models']);
    }
  }
  if (route.model && route.models) fail('give either model or models, not both', [...at, 'models']);
  if (route.models && route.modelSelectionExpression === undefined) {
    fail('models needs a modelSelectionExpression, e.g. ${request.body.type}; for a single model use model', [
      ...at,
      'models',
    ]);
  }
  if (!route.models && route.modelSelectionExpression !== undefined) {
    fail('modelSelectionExpression only applies to models; remove it or key models by its result', [
      ...at,
      'modelSelectionExpression',
    ]);
  }
  checkExpression(route.modelSelectionExpression, [...at, 'modelSelectionExpression'], fail);
  try {
    compileRouteModels(route, renderPath(at));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const modelPath: DefinitionPath = route.model ? [...at, 'model'] : [...at, 'models', modelKeyOf(error, at)];
    throw new ConfigError(
      error.problem,
      { file, line: lineOf(modelPath, locate), path: error.location.path },
      { cause: error },
    );
  }
}

/** Which integration types take which keys (spec 7), beyond what the schema states. */
function checkIntegration(route: RouteDefinition, at: DefinitionPath, fail: Fail): void {
  const integration = route.integration;
  if (!integration) return;
  const lambdaNonProxy = integration.type === 'AWS' && integration.uri === undefined;
  if (route.handler !== undefined && !lambdaNonProxy) {
    fail(
      'give either handler or integration, not both; a handler with integration type AWS and no uri is a Lambda function without proxy',
      at,
    );
  }
  if (lambdaNonProxy && route.handler === undefined) {
    fail(
      'an AWS integration needs a uri (arn:aws:apigateway:{region}:{service}:action/{Action}), or the route a handler for a Lambda function',
      [...at, 'uri'],
    );
  }
  if ((integration.type === 'HTTP' || integration.type === 'HTTP_PROXY') && integration.uri === undefined) {
    fail('an HTTP integration needs a uri, e.g. http://127.0.0.1:8080/messages', [...at, 'uri']);
  }
  if (integration.type === 'MOCK') {
    for (const key of ['uri', 'method', 'requestParameters'] as const) {
      if (key in integration) fail(`a MOCK integration calls no backend, so it takes no ${key}`, [...at, key]);
    }
  }
  checkExpression(integration.templateSelectionExpression, [...at, 'templateSelectionExpression'], fail);
  for (const [responseKey, response] of Object.entries(integration.responses ?? {})) {
    const expression = response?.templateSelectionExpression;
    if (expression !== undefined) {
      const path = [...at, 'responses', responseKey, 'templateSelectionExpression'];
      try {
        compileTemplateSelection(expression, renderPath(path), true);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        fail(error.problem, path);
      }
    }
    if (!isResponseKey(responseKey)) {
      fail('response keys are $default or a status regex in slashes, e.g. /2\\d\\d/', [
        ...at,
        'responses',
        responseKey,
      ]);
    }
  }
}

function checkHandler(handler: unknown, path: DefinitionPath, fail: Fail): void {
  if (typeof handler === 'function') return;
  if (typeof handler !== 'string' || !HANDLER_REFERENCE.test(handler)) {
    fail(
      'a handler is "path/to/module.mjs#exportName" (relative to the config file; #handler when omitted; a dotted name such as #handlers.main is a property path) or a function',
      path,
    );
  }
}

function checkExpression(source: string | undefined, path: DefinitionPath, fail: Fail): void {
  if (source === undefined) return;
  try {
    compileSelectionExpression(source);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    fail(`${error.message} (write a literal "$" as "\\$", e.g. \\$default)`, path);
  }
}

function isResponseKey(key: string): boolean {
  if (key === '$default') return true;
  const pattern = RESPONSE_KEY.exec(key)?.[1];
  if (pattern === undefined) return false;
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** `models.ts` reports `<route path>.models.<key>`; the key may itself contain dots. */
function modelKeyOf(error: ConfigError, at: DefinitionPath): string {
  const prefix = `${renderPath(at)}.models.`;
  const path = error.location.path ?? '';
  return path.startsWith(prefix) ? path.slice(prefix.length) : '';
}

function describeSchemaError(error: ErrorObject, root: unknown): { path: DefinitionPath; problem: string } {
  const path = toPath(error.instancePath, root);
  const schema = (error.parentSchema ?? {}) as { hint?: string; properties?: Record<string, unknown> };
  const withHint = (problem: string): string => (schema.hint ? `${problem}; ${schema.hint}` : problem);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(schema.properties ?? {});
      const guess = closest(key, known);
      const advice = guess ? `did you mean "${guess}"?` : `known keys are ${known.join(', ')}`;
      return { path: [...path, key], problem: `unknown key "${key}": ${advice}` };
    }
    case 'required':
      return { path: [...path, String(params.missingProperty)], problem: withHint('is required') };
    case 'type': {
      const subject = path.length === 0 ? 'the definition must' : 'must';
      return {
        path,
        problem: withHint(`${subject} be ${article(String(params.type))}, not ${describe(valueAt(root, path))}`),
      };
    }
    case 'enum':
      return {
        path,
        problem: withHint(
          `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        ),
      };
    case 'pattern':
      return { path, problem: withHint(`${JSON.stringify(valueAt(root, path))} is not allowed`) };
    case 'minLength':
    case 'minProperties':
      return { path, problem: withHint('must not be empty') };
    default:
      return { path, problem: withHint(error.message ?? 'is invalid') };
  }
}

/** Turns a JSON Pointer into key segments, with array indexes as numbers. */
function toPath(pointer: string, root: unknown): DefinitionPath {
  if (pointer === '') return [];
  const path: DefinitionPath = [];
  let current = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const segment = Array.isArray(current) ? Number(key) : key;
    path.push(segment);
    current = (current as Record<string | number, unknown> | undefined)?.[segment];
  }
  return path;
}

function valueAt(root: unknown, path: DefinitionPath): unknown {
  let current = root;
  for (const segment of path) current = (current as Record<string | number, unknown> | undefined)?.[segment];
  return current;
}

/** The line of the key at `path`, or of its nearest located ancestor (a missing key has none). */
function lineOf(path: DefinitionPath, locate?: Locate): number | undefined {
  if (!locate) return undefined;
  for (let length = path.length; length >= 0; length--) {
    const line = locate(path.slice(0, length));
    if (line !== undefined) return line;
  }
  return undefined;
}

function renderPath(path: DefinitionPath): string {
  let rendered = '';
  for (const segment of path)
    rendered += typeof segment === 'number' ? `[${segment}]` : rendered ? `.${segment}` : segment;
  return rendered;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  const noun = type === 'object' ? 'mapping' : type === 'array' ? 'list' : type;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** The known key a typo most likely meant: same letters ignoring case, or within a small edit distance. */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** Copies plain data and freezes it; functions (handlers built in code) are kept as they are. */
function frozenCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.freeze(Object.fromEntries(Object.entries(value).map(([key, item]) => [key, frozenCopy(item)]))) as T;
  }
  return value;
}
