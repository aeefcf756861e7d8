/**
 * Request models (spec 5): JSON Schema draft 4, selected per message by the route's
 * `modelSelectionExpression`, with `$default` as the catch-all model key.
 *
 * A model whose `pattern`s (or `patternProperties`) may backtrack validates within a
 * time limit (limits/pattern-time-limit.ts); a body that runs past it fails validation
 * as not matching, with the reason in `$context.error.validationErrorString`.
 */
import type { ValidateFunction } from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { JsonSchema, RouteDefinition } from '../definition.ts';
import { ConfigError, GatewayError, PatternTimeLimitError } from '../errors.ts';
import { mayBacktrack, withinPatternTimeLimit } from '../limits/pattern-time-limit.ts';
import { compileSelectionExpression } from '../routing/selection-expression.ts';

/** `error` is the short text AWS logs as `$context.error.validationErrorString`. */
export type ModelValidation = { valid: true } | { valid: false; error: string };

/** Validates a message body (the raw frame text) against the route's models. */
export type BodyValidator = (body: string) => ModelValidation;

const DEFAULT_MODEL_KEY = '$default';

// One Ajv for the module: compiled validators are cached by schema text, so a
// definition validated at load time and again by the gateway compiles once.
// `strict: false` because draft-4 validators ignore keywords they do not know
// (API Gateway models often carry `example` or `readOnly`).
const ajv = new Ajv04.default({ strict: false, logger: false });
addFormats.default(ajv);
const compiled = new Map<string, Model>();

/** A compiled model, and whether its patterns may backtrack. */
interface Model {
  validate: ValidateFunction;
  backtracks: boolean;
}

/**
 * Compiles a route's request models. Returns undefined when the route has none.
 * Throws `ConfigError` (at `<path>.model` or `<path>.models.<key>`) for a schema
 * that is not valid draft 4.
 *
 * @example
 * const validate = compileRouteModels(route, 'routes.sendmessage');
 * if (validate && !validate(frameText).valid) sendInvalidRequestBodyFrame();
 */
export function compileRouteModels(route: RouteDefinition, path: string): BodyValidator | undefined {
  if (route.model) {
    const model = compileModel(route.model, `${path}.model`);
    return (body) => {
      const parsed = parseBody(body);
      return parsed.ok ? check(model, parsed.value, body.length) : parsed.failure;
    };
  }
  if (!route.models) return undefined;
  const expressionPath = `${path}.modelSelectionExpression`;
  if (route.modelSelectionExpression === undefined) {
    throw new ConfigError('models needs a modelSelectionExpression to pick one', { path: expressionPath });
  }
  let expression: ReturnType<typeof compileSelectionExpression>;
  try {
    expression = compileSelectionExpression(route.modelSelectionExpression);
  } catch (error) {
    if (error instanceof GatewayError) throw new ConfigError(error.message, { path: expressionPath }, { cause: error });
    throw error;
  }
  const models = new Map<string, Model>();
  for (const [key, schema] of Object.entries(route.models)) {
    models.set(key, compileModel(schema, `${path}.models.${key}`));
  }
  const fallback = models.get(DEFAULT_MODEL_KEY);
  return (body) => {
    const parsed = parseBody(body);
    if (!parsed.ok) return parsed.failure;
    const key = expression.evaluate(parsed.value);
    const model = models.get(key) ?? fallback;
    // Spec 5: "If there is no matching model and $default isn't defined, the validation fails."
    if (!model) return { valid: false, error: `no model for key "${key}" and no $default model` };
    return check(model, parsed.value, body.length);
  };
}

function compileModel(schema: JsonSchema, path: string): Model {
  const text = JSON.stringify(schema);
  let model = compiled.get(text);
  if (model) return model;
  try {
    model = { validate: ajv.compile(schema), backtracks: patternsOf(schema).some(mayBacktrack) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`is not a valid JSON Schema draft 4 model: ${reason}`, { path }, { cause: error });
  }
  compiled.set(text, model);
  return model;
}

/**
 * The regular expressions in a schema: `pattern` values and `patternProperties` keys at
 * any depth. A property that happens to be named `pattern` adds nothing (its value is
 * a schema, not a string); a `pattern` inside an `example` or `default` value is taken
 * for one, which costs only the time limit.
 */
function patternsOf(schema: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, member] of Object.entries(value)) {
      if (key === 'pattern' && typeof member === 'string') found.push(member);
      if (key === 'patternProperties' && typeof member === 'object' && member !== null) {
        found.push(...Object.keys(member));
      }
      visit(member);
    }
  };
  visit(schema);
  return found;
}

/**
 * A body that is not JSON cannot match a model, so it fails validation (our
 * documented choice: spec 5 marks this case unverified and presumes a failure).
 */
function parseBody(body: string): { ok: true; value: unknown } | { ok: false; failure: ModelValidation } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, failure: { valid: false, error: 'body is not valid JSON' } };
  }
}

/** Validates `value` (parsed from a body of `bodyLength` characters) against `model`. */
function check({ validate, backtracks }: Model, value: unknown, bodyLength: number): ModelValidation {
  let valid: boolean;
  try {
    valid = backtracks
      ? withinPatternTimeLimit('validation against the model', bodyLength, () => validate(value) as boolean)
      : (validate(value) as boolean);
  } catch (error) {
    if (error instanceof PatternTimeLimitError) return { valid: false, error: error.message };
    throw error;
  }
  if (valid) return { valid: true };
  const [first] = validate.errors ?? [];
  if (!first) return { valid: false, error: 'body does not match the model' };
  return { valid: false, error: `body${first.instancePath} ${first.message ?? 'does not match the model'}` };
}
