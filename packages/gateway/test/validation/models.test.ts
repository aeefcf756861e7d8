import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteDefinition } from '../../src/definition.ts';
import { ConfigError } from '../../src/errors.ts';
import { type BodyValidator, compileRouteModels } from '../../src/validation/models.ts';

const DRAFT_4 = 'http://json-schema.org/draft-04/schema#';

const messageModels: RouteDefinition = {
  handler: 'h.mjs#send',
  modelSelectionExpression: '${request.body.messageType}',
  models: {
    text: {
      $schema: DRAFT_4,
      type: 'object',
      required: ['messageType', 'text'],
      properties: { text: { type: 'string', minLength: 1 } },
    },
    $default: { type: 'object', required: ['messageType'] },
  },
};

function compile(route: RouteDefinition): BodyValidator {
  const validate = compileRouteModels(route, 'routes.send');
  assert.ok(validate, 'expected a validator');
  return validate;
}

describe('compileRouteModels', () => {
  it('11.84 an invalid body against the selected draft-4 model fails', () => {
    const result = compile(messageModels)('{"messageType":"text","text":42}');
    assert.deepEqual(result, { valid: false, error: 'body/text must be string' });
  });

  it('11.85 a valid body passes unchanged', () => {
    const body = '{"messageType":"text","text":"hello"}';
    const validate = compile({ handler: 'h.mjs#send', model: { type: 'object', properties: { n: { default: 1 } } } });
    assert.deepEqual(compile(messageModels)(body), { valid: true });
    assert.deepEqual(validate(body), { valid: true });
  });

  it('11.86 no matching model key uses the $default model', () => {
    const validate = compile(messageModels);
    // "image" has no model of its own: $default requires only messageType, so text may be anything.
    assert.deepEqual(validate('{"messageType":"image","text":42}'), { valid: true });
    assert.deepEqual(validate('{"kind":"image"}'), {
      valid: false,
      error: "body must have required property 'messageType'",
    });
  });

  it('11.87 no matching key and no $default model fails', () => {
    const { $default: _, ...models } = messageModels.models ?? {};
    const validate = compile({ ...messageModels, models });
    assert.deepEqual(validate('{"messageType":"image"}'), {
      valid: false,
      error: 'no model for key "image" and no $default model',
    });
    assert.deepEqual(validate('{"messageType":"text","text":"hi"}'), { valid: true });
  });

  it('returns undefined for a route without models', () => {
    assert.equal(compileRouteModels({ handler: 'h.mjs#echo' }, 'routes.echo'), undefined);
  });

  it('a single model applies to every message', () => {
    const validate = compile({ handler: 'h.mjs#send', model: { type: 'object', required: ['data'] } });
    assert.deepEqual(validate('{"data":1}'), { valid: true });
    assert.equal(validate('{"action":"send"}').valid, false);
  });

  it('a body that is not JSON fails validation', () => {
    const validate = compile({ handler: 'h.mjs#send', model: { type: 'string' } });
    assert.deepEqual(validate('hello'), { valid: false, error: 'body is not valid JSON' });
  });

  it('accepts the draft-4 $schema URI', () => {
    const validate = compile({ handler: 'h.mjs#send', model: { $schema: DRAFT_4, type: 'object' } });
    assert.deepEqual(validate('{}'), { valid: true });
  });

  it('reads exclusiveMinimum as a draft-4 boolean modifier of minimum', () => {
    const validate = compile({
      handler: 'h.mjs#send',
      model: { $schema: DRAFT_4, type: 'number', minimum: 5, exclusiveMinimum: true },
    });
    assert.deepEqual(validate('6'), { valid: true });
    assert.equal(validate('5').valid, false);
  });

  it('checks known formats', () => {
    const validate = compile({ handler: 'h.mjs#send', model: { type: 'string', format: 'email' } });
    assert.deepEqual(validate('"a@example.com"'), { valid: true });
    assert.equal(validate('"not an address"').valid, false);
  });

  it('ignores keywords draft 4 does not know, as API Gateway models may carry them', () => {
    const validate = compile({ handler: 'h.mjs#send', model: { type: 'object', example: { a: 1 } } });
    assert.deepEqual(validate('{}'), { valid: true });
  });

  it('throws ConfigError with the model path for an invalid schema', () => {
    assert.throws(
      () => compileRouteModels({ handler: 'h.mjs#send', model: { type: 'strang' } }, 'routes.send'),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.location.path === 'routes.send.model' &&
        /not a valid JSON Schema draft 4 model/.test(error.message),
    );
  });

  it('rejects a draft-7 schema: models are draft 4', () => {
    assert.throws(
      () =>
        compileRouteModels(
          { handler: 'h.mjs#send', model: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' } },
          'routes.send',
        ),
      ConfigError,
    );
  });

  it('fails a body on which a pattern backtracks past its time limit, and validates others', () => {
    const validate = compile({
      handler: 'h.mjs#send',
      model: {
        type: 'object',
        properties: { name: { type: 'string', pattern: '^(a+)+$' } },
        patternProperties: { '^x-': { type: 'string' } },
      },
    });
    const body = JSON.stringify({ name: `${'a'.repeat(40)}!` });
    const verdict = validate(body);
    assert.equal(verdict.valid, false);
    assert.match(
      verdict.valid ? '' : verdict.error,
      new RegExp(`^validation against the model was stopped after 101 ms on a text of ${body.length} characters`),
    );
    assert.deepEqual(validate('{"name":"aaaa"}'), { valid: true });
    assert.equal(validate('{"name":"aab"}').valid, false);
  });
});
