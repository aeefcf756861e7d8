/**
 * The structural part of a `GatewayDefinition` as a JSON Schema (ajv's default
 * dialect), checked before the semantic rules in `validate.ts`. Every object is
 * closed (`additionalProperties: false`) so a typo such as `handlr` is reported
 * instead of silently ignored. `hint` is an annotation keyword: when a value
 * fails, its hint is appended to the message to say how to fix it.
 *
 * Keys whose values may be functions (`handler`) or arbitrary JSON Schemas
 * (`model`, `models`) are only shaped here; `validate.ts` checks them.
 */

type Schema = Record<string, unknown>;

const ENV_HINT = 'quote numbers and booleans so they stay strings, e.g. PORT: "8080"';

const stringMap = (hint: string): Schema => ({
  type: 'object',
  additionalProperties: { type: 'string', hint },
});

const throttle: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['burstLimit', 'rateLimit'],
  properties: {
    burstLimit: { type: 'number', minimum: 0, hint: 'burstLimit is the token bucket size, 0 or more' },
    rateLimit: { type: 'number', minimum: 0, hint: 'rateLimit is requests per second, 0 or more' },
  },
  hint: 'give both burstLimit and rateLimit, e.g. { burstLimit: 100, rateLimit: 50 }',
};

const positive = (type: 'number' | 'integer', hint: string): Schema => ({ type, exclusiveMinimum: 0, hint });

const integration: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'uri'],
  properties: {
    type: { enum: ['HTTP_PROXY', 'HTTP'], hint: 'use HTTP_PROXY to forward the body as is, HTTP for templates' },
    uri: { type: 'string', minLength: 1, hint: 'the backend URL, e.g. http://127.0.0.1:8080/messages' },
    method: { type: 'string', minLength: 1 },
    requestParameters: stringMap('map integration.request.* names to context.* or route.request.* sources'),
    templateSelectionExpression: { type: 'string' },
    requestTemplates: stringMap('each request template is a string'),
    responses: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { template: { type: 'string' } },
      },
    },
  },
};

const route: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    handler: {},
    integration,
    routeResponse: { type: 'boolean', hint: 'use true for a two-way route, false (the default) otherwise' },
    model: { type: 'object', hint: 'a model is a JSON Schema (draft 4) object' },
    models: {
      type: 'object',
      additionalProperties: { type: 'object', hint: 'each model is a JSON Schema (draft 4) object' },
    },
    modelSelectionExpression: { type: 'string' },
    // Spec 4: the integration timeout is 50 ms to 29 s for every integration type.
    timeoutInMillis: { type: 'integer', minimum: 50, maximum: 29000, hint: 'use whole milliseconds from 50 to 29000' },
    throttling: throttle,
    environment: stringMap(ENV_HINT),
    functionName: { type: 'string', minLength: 1 },
  },
};

export const definitionSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['routes'],
  hint: 'a definition is a mapping with at least a routes key',
  properties: {
    stage: {
      type: 'string',
      pattern: '^[A-Za-z0-9_-]+$',
      hint: 'use letters, digits, "-" and "_" only, e.g. dev',
    },
    routeSelectionExpression: { type: 'string' },
    environment: stringMap(ENV_HINT),
    stageVariables: stringMap(ENV_HINT),
    routes: {
      type: 'object',
      minProperties: 1,
      additionalProperties: route,
      hint: 'map route keys to routes, e.g. routes: { $default: { handler: "handlers.mjs#echo" } }',
    },
    authorizer: {
      type: 'object',
      additionalProperties: false,
      required: ['handler'],
      properties: {
        handler: {},
        identitySource: {
          type: 'array',
          items: {
            type: 'string',
            // Spec 6: the four mapping-expression forms API Gateway accepts.
            pattern: '^(route\\.request\\.(header|querystring)|stageVariables|context)\\.[A-Za-z0-9._-]+$',
            hint: 'use route.request.header.<Name>, route.request.querystring.<name>, stageVariables.<name> or context.<name>',
          },
        },
        environment: stringMap(ENV_HINT),
        functionName: { type: 'string', minLength: 1 },
      },
    },
    throttling: throttle,
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        idleTimeoutSeconds: positive('number', 'use a number of seconds above 0'),
        maxDurationSeconds: positive('number', 'use a number of seconds above 0'),
        maxFrameBytes: positive('integer', 'use a whole number of bytes above 0'),
        maxMessageBytes: positive('integer', 'use a whole number of bytes above 0'),
        newConnectionsPerSecond: positive('number', 'use a rate above 0'),
        maxQueuedBytesPerConnection: positive('integer', 'use a whole number of bytes above 0, e.g. 1048576'),
      },
    },
    accessLog: {
      type: 'object',
      additionalProperties: false,
      properties: {
        format: { type: 'string', hint: 'use clf, json, or a single line with $context.* variables' },
        destination: { type: 'string', minLength: 1, hint: 'use stdout, stderr or a file path' },
      },
    },
    management: {
      type: 'object',
      additionalProperties: false,
      properties: {
        access: { enum: ['loopback', 'signed'] },
        credentials: {
          type: 'object',
          additionalProperties: false,
          required: ['accessKeyId', 'secretAccessKey'],
          properties: {
            accessKeyId: { type: 'string', minLength: 1 },
            secretAccessKey: { type: 'string', minLength: 1 },
          },
        },
        throttling: throttle,
      },
    },
    apiId: {
      type: 'string',
      pattern: '^[a-z0-9]{10}$',
      hint: 'an API id is 10 lowercase letters or digits, e.g. local00000',
    },
    region: { type: 'string', minLength: 1 },
    accountId: { type: 'string', minLength: 1 },
  },
};
