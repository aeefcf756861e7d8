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

/** Stage or route throttling: a token bucket, or `false` for none. */
const throttleOrOff: Schema = { anyOf: [throttle, { const: false }] };

const positive = (type: 'number' | 'integer', hint: string): Schema => ({ type, exclusiveMinimum: 0, hint });

const wholeAtLeast = (minimum: number, hint: string): Schema => ({ type: 'integer', minimum, hint });

const concurrency: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxWorkers: wholeAtLeast(1, 'use a whole number of worker threads, 1 or more'),
    maxInvocationsPerWorker: wholeAtLeast(1, 'use 1 (one invocation per worker, as on Lambda) or more'),
    maxQueuedInvocations: wholeAtLeast(0, 'use a whole number of waiting invocations, 0 or more'),
    idleWorkerSeconds: positive('number', 'use a number of seconds above 0'),
  },
};

/** An access key pair, plus what else a use of it takes (a session token). */
const credentials = (extra: Record<string, Schema> = {}): Schema => ({
  type: 'object',
  additionalProperties: false,
  required: ['accessKeyId', 'secretAccessKey'],
  properties: {
    accessKeyId: { type: 'string', minLength: 1 },
    secretAccessKey: { type: 'string', minLength: 1 },
    ...extra,
  },
});

const integrationResponse: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    template: { type: 'string' },
    templates: stringMap('each response template is a string'),
    templateSelectionExpression: { type: 'string' },
    contentHandling: {
      enum: ['CONVERT_TO_TEXT', 'CONVERT_TO_BINARY'],
      hint: 'CONVERT_TO_TEXT base64-encodes the backend body; clients only get text frames',
    },
  },
};

const integration: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: {
      enum: ['HTTP_PROXY', 'HTTP', 'MOCK', 'AWS'],
      hint: 'use HTTP_PROXY to forward the body as is, HTTP for templates, MOCK to answer without a backend, AWS for a Lambda function without proxy or an AWS service action',
    },
    uri: { type: 'string', minLength: 1, hint: 'the backend URL, e.g. http://127.0.0.1:8080/messages' },
    method: { type: 'string', minLength: 1 },
    requestParameters: stringMap('map integration.request.* names to context.* or route.request.* sources'),
    templateSelectionExpression: { type: 'string' },
    requestTemplates: stringMap('each request template is a string'),
    passthroughBehavior: {
      enum: ['WHEN_NO_MATCH', 'WHEN_NO_TEMPLATES', 'NEVER'],
      hint: 'WHEN_NO_MATCH (the default) sends an unmatched message as it is',
    },
    contentHandling: { enum: ['CONVERT_TO_TEXT', 'CONVERT_TO_BINARY'] },
    responses: { type: 'object', additionalProperties: integrationResponse },
  },
};

const routeResponse: Schema = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        models: {
          type: 'object',
          additionalProperties: { type: 'object', hint: 'each model is a JSON Schema (draft 4) object' },
        },
        modelSelectionExpression: { type: 'string' },
      },
    },
  ],
  hint: 'use true for a two-way route, or { models, modelSelectionExpression } to name its response models',
};

const route: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    handler: {},
    integration,
    routeResponse,
    model: { type: 'object', hint: 'a model is a JSON Schema (draft 4) object' },
    models: {
      type: 'object',
      additionalProperties: { type: 'object', hint: 'each model is a JSON Schema (draft 4) object' },
    },
    modelSelectionExpression: { type: 'string' },
    // Spec 4: the integration timeout is 50 ms to 29 s for every integration type.
    timeoutInMillis: { type: 'integer', minimum: 50, maximum: 29000, hint: 'use whole milliseconds from 50 to 29000' },
    throttling: throttleOrOff,
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
    concurrency,
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
    throttling: throttleOrOff,
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
        firstByteTimeoutSeconds: positive('number', 'use a number of seconds above 0'),
        requestHeadersTimeoutSeconds: positive('number', 'use a number of seconds above 0'),
        maxInFlightPerConnection: positive('integer', 'use a whole number of calls above 0, e.g. 10'),
        maxIntegrationResponseBytes: positive('integer', 'use a whole number of bytes above 0, e.g. 1048576'),
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
        credentials: credentials(),
        throttling: throttle,
      },
    },
    awsServices: {
      type: 'object',
      additionalProperties: false,
      properties: {
        endpoints: {
          type: 'object',
          additionalProperties: {
            type: 'string',
            pattern: '^https?://',
            hint: 'an endpoint is an http:// or https:// URL, e.g. http://127.0.0.1:8000',
          },
        },
        credentials: credentials({ sessionToken: { type: 'string', minLength: 1 } }),
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
