import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateDefinition } from '../../src/config/validate.ts';
import { ConfigError } from '../../src/errors.ts';

const echo = async (event: { body?: string }) => ({ statusCode: 200, body: event.body });

function configErrorOf(definition: unknown): ConfigError {
  try {
    validateDefinition(definition);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  return assert.fail('expected a ConfigError');
}

describe('validateDefinition', () => {
  it('accepts a definition built in code with handler functions', () => {
    const definition = validateDefinition({ routes: { $default: { handler: echo } } });
    assert.equal(definition.routes.$default?.handler, echo);
  });

  it('returns a frozen deep copy and leaves the input alone', () => {
    const input = {
      routes: { send: { handler: 'h.mjs#send', model: { type: 'object', required: ['data'] } } },
      environment: { A: 'a' },
    };
    const definition = validateDefinition(input);
    assert.notEqual(definition, input);
    assert.notEqual(definition.routes.send, input.routes.send);
    assert.ok(Object.isFrozen(definition.routes.send?.model?.required));
    input.environment.A = 'changed';
    assert.equal(definition.environment?.A, 'a');
  });

  it('does not apply defaults', () => {
    const definition = validateDefinition({ routes: { $default: { handler: echo } } });
    assert.deepEqual(Object.keys(definition), ['routes']);
    assert.deepEqual(Object.keys(definition.routes.$default ?? {}), ['handler']);
  });

  it('accepts every section of the format', () => {
    validateDefinition({
      stage: 'prod_1',
      routeSelectionExpression: '${request.body.service}/${request.body.action}',
      environment: { A: 'a' },
      stageVariables: { backend: 'http://127.0.0.1:9' },
      routes: {
        $connect: { handler: 'auth.ts#connect', timeoutInMillis: 50 },
        $disconnect: { handler: 'auth.ts', functionName: 'bye' },
        'chat/send': {
          integration: {
            type: 'HTTP',
            uri: '${stageVariables.backend}/send',
            method: 'PUT',
            requestParameters: { 'integration.request.header.connectionId': 'context.connectionId' },
            templateSelectionExpression: '\\$default',
            requestTemplates: { $default: '{"text": $input.json(\'$.text\')}' },
            responses: { $default: {}, '/2\\d\\d/': { template: '$input.body' } },
          },
          routeResponse: true,
          models: { $default: { type: 'object' }, 'v.2': { type: 'object', required: ['text'] } },
          modelSelectionExpression: '${request.body.version}',
          timeoutInMillis: 29000,
          throttling: { burstLimit: 0, rateLimit: 0 },
        },
      },
      authorizer: {
        handler: echo,
        identitySource: ['route.request.header.Auth', 'route.request.querystring.t', 'stageVariables.s', 'context.c'],
      },
      throttling: { burstLimit: 100, rateLimit: 50.5 },
      limits: {
        idleTimeoutSeconds: 0.2,
        maxDurationSeconds: 1,
        maxFrameBytes: 1,
        maxMessageBytes: 2,
        newConnectionsPerSecond: 0.5,
      },
      accessLog: { format: 'json', destination: 'logs/access.log' },
      management: { access: 'loopback', throttling: { burstLimit: 1, rateLimit: 1 } },
      apiId: 'a1b2c3d4e5',
      region: 'eu-west-1',
      accountId: '123456789012',
    });
  });

  it('names the dotted path and how to fix it when there is no file', () => {
    const error = configErrorOf({ routes: { send: { handler: echo, timeoutInMillis: 30000 } } });
    assert.deepEqual(error.location, { file: undefined, line: undefined, path: 'routes.send.timeoutInMillis' });
    assert.equal(
      error.message,
      'routes.send.timeoutInMillis: must be <= 29000; use whole milliseconds from 50 to 29000',
    );
  });

  it('rejects a definition that is not a mapping', () => {
    const error = configErrorOf(null);
    assert.match(error.message, /^the definition must be a mapping, not null/);
  });

  it('rejects a handler that is neither a reference string nor a function', () => {
    const error = configErrorOf({ routes: { $default: { handler: 42 } } });
    assert.equal(error.location.path, 'routes.$default.handler');
  });

  it('rejects an invalid authorizer handler', () => {
    const error = configErrorOf({
      routes: { $default: { handler: echo } },
      authorizer: { handler: 'x.mjs#not-a-name' },
    });
    assert.equal(error.location.path, 'authorizer.handler');
  });

  it('rejects modelSelectionExpression without models', () => {
    const error = configErrorOf({
      routes: { $default: { handler: echo, model: { type: 'object' }, modelSelectionExpression: '$request.body.t' } },
    });
    assert.equal(error.location.path, 'routes.$default.modelSelectionExpression');
  });

  it('names the model key of an invalid model among several', () => {
    const error = configErrorOf({
      routes: {
        $default: {
          handler: echo,
          models: { 'v.1': { type: 'object' }, 'v.2': { type: 'nothing' } },
          modelSelectionExpression: '$request.body.v',
        },
      },
    });
    assert.equal(error.location.path, 'routes.$default.models.v.2');
    assert.match(error.problem, /not a valid JSON Schema draft 4 model/);
  });

  it('rejects an integration response key that is not $default or /regex/', () => {
    const error = configErrorOf({
      routes: { $default: { integration: { type: 'HTTP', uri: 'http://x', responses: { '200': {} } } } },
    });
    assert.equal(error.location.path, 'routes.$default.integration.responses.200');
  });

  it('rejects a template selection expression that does not compile', () => {
    const error = configErrorOf({
      routes: { $default: { integration: { type: 'HTTP', uri: 'http://x', templateSelectionExpression: '$default' } } },
    });
    assert.equal(error.location.path, 'routes.$default.integration.templateSelectionExpression');
    assert.match(error.problem, /\\\$default/);
  });

  it('accepts MOCK, Lambda non-proxy and AWS service integrations with their response settings', () => {
    validateDefinition({
      awsServices: {
        endpoints: { dynamodb: 'http://127.0.0.1:8000' },
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      routes: {
        $connect: { integration: { type: 'MOCK', requestTemplates: { $default: '{"statusCode": 200}' } } },
        lookup: {
          handler: echo,
          routeResponse: { models: { $default: { type: 'object' } } },
          integration: {
            type: 'AWS',
            passthroughBehavior: 'NEVER',
            requestTemplates: { $default: '{}' },
            responses: {
              '/Not found.*/': { templates: { $default: '{}' }, templateSelectionExpression: '\\$default' },
              $default: { contentHandling: 'CONVERT_TO_TEXT' },
            },
          },
        },
        put: {
          integration: {
            type: 'AWS',
            uri: 'arn:aws:apigateway:us-east-1:dynamodb:action/PutItem',
            contentHandling: 'CONVERT_TO_TEXT',
          },
        },
      },
    });
  });

  for (const [name, route, path, problem] of [
    [
      'a MOCK integration with a uri',
      { integration: { type: 'MOCK', uri: 'http://x' } },
      'routes.a.integration.uri',
      /MOCK integration calls no backend/,
    ],
    [
      'a handler beside an HTTP integration',
      { handler: echo, integration: { type: 'HTTP', uri: 'http://x' } },
      'routes.a.integration',
      /either handler or integration/,
    ],
    [
      'an AWS integration without uri or handler',
      { integration: { type: 'AWS' } },
      'routes.a.integration.uri',
      /needs a uri/,
    ],
    ['an HTTP integration without uri', { integration: { type: 'HTTP' } }, 'routes.a.integration.uri', /needs a uri/],
    [
      'a response template selection expression with an unknown variable',
      {
        integration: {
          type: 'MOCK',
          responses: { $default: { templateSelectionExpression: '${integration.response.body}' } },
        },
      },
      'routes.a.integration.responses.$default.templateSelectionExpression',
      /\$\{\.\.\.\} part that is not/,
    ],
    [
      'an unknown passthrough behaviour',
      { integration: { type: 'MOCK', passthroughBehavior: 'SOMETIMES' } },
      'routes.a.integration.passthroughBehavior',
      /WHEN_NO_MATCH/,
    ],
    [
      'several route response models without an expression',
      { handler: echo, routeResponse: { models: { a: {}, b: {} } } },
      'routes.a.routeResponse.models',
      /modelSelectionExpression/,
    ],
  ] as const) {
    it(`rejects ${name}`, () => {
      const error = configErrorOf({ routes: { a: route } });
      assert.equal(error.location.path, path);
      assert.match(error.problem, problem);
    });
  }

  it('suggests the known key for a case typo', () => {
    const error = configErrorOf({ routes: { $default: { Handler: echo } } });
    assert.match(error.problem, /did you mean "handler"\?/);
  });

  it('lists the known keys when nothing is close', () => {
    const error = configErrorOf({ routes: { $default: { handler: echo } }, limits: { somethingElse: 1 } });
    assert.match(error.problem, /known keys are idleTimeoutSeconds, maxDurationSeconds/);
  });
});
