/**
 * Request models (spec 5): JSON Schema draft 4, selected per message by the route's
 * `modelSelectionExpression`, with `$default` as the catch-all model key.
 */
import type { ValidateFunction } from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { JsonSchema, RouteDefinition } from '../definition.ts';
import { ConfigError, GatewayError } from '../errors.ts';
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
const compiled = new Map<string, ValidateFunction>();

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
    const validate = compileModel(route.model, `${path}.model`);
    return (body) => {
      const parsed = parseBody(body);
      return parsed.ok ? check(validate, parsed.value) : parsed.failure;
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
  const validators = new Map<string, ValidateFunction>();
  for (const [key, schema] of Object.entries(route.models)) {
    validators.set(key, compileModel(schema, `${path}.models.${key}`));
  }
  const fallback = validators.get(DEFAULT_MODEL_KEY);
  return (body) => {
    const parsed = parseBody(body);
    if (!parsed.ok) return parsed.failure;
    const key = expression.evaluate(parsed.value);
    const validate = validators.get(key) ?? fallback;
    // Spec 5: "If there is no matching model and $default isn't defined, the validation fails."
    if (!validate) return { valid: false, error: `no model for key "${key}" and no $default model` };
    return check(validate, parsed.value);
  };
}

function compileModel(schema: JsonSchema, path: string): ValidateFunction {
  const text = JSON.stringify(schema);
  let validate = compiled.get(text);
  if (validate) return validate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`is not a valid JSON Schema draft 4 model: ${reason}`, { path }, { cause: error });
  }
  compiled.set(text, validate);
  return validate;
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

function check(validate: ValidateFunction, value: unknown): ModelValidation {
  if (validate(value)) return { valid: true };
  const [first] = validate.errors ?? [];
  if (!first) return { valid: false, error: 'body does not match the model' };
  return { valid: false, error: `body${first.instancePath} ${first.message ?? 'does not match the model'}` };
}
