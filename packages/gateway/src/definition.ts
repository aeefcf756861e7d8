/**
 * The gateway definition: what a config file (YAML, JSON, or a JS/TS module) describes.
 *
 * Keys follow the names of API Gateway's own settings where one exists
 * (`routeSelectionExpression`, `modelSelectionExpression`, `identitySource`,
 * `timeoutInMillis`, `requestParameters`), so a reader who knows API Gateway
 * recognises them. Everything here is plain data except `handler`, which may also
 * be a function when the definition is built in code.
 */
import type { LambdaHandler } from './integrations/lambda-types.ts';

/** A JSON Schema (draft 4, as API Gateway models are). */
export type JsonSchema = Record<string, unknown>;

/**
 * Where a function's code lives: `"path/to/module.mjs#exportName"` relative to the
 * config file (`#handler` is assumed when the export is omitted), or a function.
 */
export type HandlerReference = string | LambdaHandler;

export interface ThrottleSettings {
  /** Token bucket size: how many requests may arrive at once. */
  burstLimit: number;
  /** Tokens added per second (steady-state requests per second). */
  rateLimit: number;
}

/**
 * How a module handler scales, like a Lambda function's concurrent execution
 * environments: each worker thread is one environment with the function's own
 * `process.env` and module instance (docs/gateway.md, "Concurrency").
 */
export interface ConcurrencyDefinition {
  /**
   * Most worker threads the function runs at once. A new one starts (a cold start)
   * when every worker is at `maxInvocationsPerWorker`.
   * @default 4
   */
  maxWorkers?: number;
  /**
   * Invocations one worker runs at a time. 1 is Lambda's model: an invocation has its
   * environment to itself. More is like Lambda Managed Instances'
   * `PerExecutionEnvironmentMaxConcurrency`: async handlers interleave in one worker.
   * @default 1
   */
  maxInvocationsPerWorker?: number;
  /**
   * Invocations that may wait for a worker when all are at their limit; beyond it an
   * invocation is refused at once as throttled (`$connect` 429, a `Too Many Requests`
   * frame on a message route). `$disconnect` is never refused: it waits its turn.
   * @default 100
   */
  maxQueuedInvocations?: number;
  /** A worker idle this long ends; the function keeps one warm. @default 60 */
  idleWorkerSeconds?: number;
}

/**
 * How a non-proxy integration passes a message that no request template matches
 * (API Gateway's `PassthroughBehavior`): `WHEN_NO_MATCH` sends it as it is,
 * `WHEN_NO_TEMPLATES` only when the integration has no templates at all, `NEVER` refuses it.
 */
export type PassthroughBehavior = 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER';

/** API Gateway's `ContentHandlingStrategy`: base64 text to bytes, or bytes to base64 text. */
export type ContentHandling = 'CONVERT_TO_BINARY' | 'CONVERT_TO_TEXT';

/** One integration response (API Gateway's `IntegrationResponse`), keyed by `$default` or `/regex/`. */
export interface IntegrationResponseDefinition {
  /** The response template, the same as `templates: { $default: ... }`. Without any, the body passes through. */
  template?: string;
  /** Response templates keyed by the result of `templateSelectionExpression` (`$default` is the fallback). */
  templates?: Record<string, string>;
  /**
   * Chooses among `templates`: `${integration.response.statuscode}`,
   * `${integration.response.header.NAME}`, `${request.body.PATH}` or static text.
   * @default '$default'
   */
  templateSelectionExpression?: string;
  /**
   * `CONVERT_TO_TEXT` base64-encodes the backend's bytes before the template sees them.
   * `CONVERT_TO_BINARY` is refused: clients only get text frames here.
   */
  contentHandling?: ContentHandling;
}

/** The request and response mapping every non-proxy integration (HTTP, MOCK, AWS) has (spec 7). */
export interface NonProxyIntegrationFields {
  /** Chooses among `requestTemplates`: `${request.body.PATH}` parts or static text. @default '$default' */
  templateSelectionExpression?: string;
  /** VTL request templates keyed by the selection result (`$default` is the fallback). */
  requestTemplates?: Record<string, string>;
  /** What happens to a message no request template matches. @default 'WHEN_NO_MATCH' */
  passthroughBehavior?: PassthroughBehavior;
  /** `CONVERT_TO_BINARY` base64-decodes the request body into bytes for the backend. */
  contentHandling?: ContentHandling;
  /**
   * Integration responses: keys are `$default` or a regex in slashes matched against
   * the backend status (HTTP, MOCK, AWS services) or a Lambda function's `errorMessage`,
   * e.g. `/2\\d\\d/`.
   */
  responses?: Record<string, IntegrationResponseDefinition>;
}

export interface HttpIntegrationDefinition extends NonProxyIntegrationFields {
  /**
   * `HTTP_PROXY` forwards the message body as is and returns the backend body (the
   * non-proxy fields do not apply). `HTTP` applies request templates and responses.
   */
  type: 'HTTP_PROXY' | 'HTTP';
  /** Backend URL. `${stageVariables.name}` is substituted. */
  uri: string;
  /** @default 'POST' */
  method?: string;
  /**
   * Request parameter mapping, API Gateway style:
   * `{"integration.request.header.connectionId": "context.connectionId"}`.
   */
  requestParameters?: Record<string, string>;
}

/**
 * `MOCK`: no backend. The request template's `statusCode` (e.g. `{"statusCode": 200}`)
 * is the integration's status, which selects the integration response and, on
 * `$connect`, accepts (2xx) or refuses the handshake.
 */
export interface MockIntegrationDefinition extends NonProxyIntegrationFields {
  type: 'MOCK';
}

/**
 * `AWS`: a Lambda function without proxy (the route's `handler`, no `uri`), or an AWS
 * service action (`uri` `arn:aws:apigateway:{region}:{service}:action/{Action}` or
 * `...:path/{path}`), signed with SigV4 and sent to `awsServices.endpoints[service]`.
 */
export interface AwsIntegrationDefinition extends NonProxyIntegrationFields {
  type: 'AWS';
  /** The service action's ARN; absent for a Lambda function given as the route's `handler`. */
  uri?: string;
  /** HTTP method of the service call. @default 'POST' */
  method?: string;
  /** Request parameter mapping, e.g. `integration.request.header.Content-Type: "'application/x-amz-json-1.0'"`. */
  requestParameters?: Record<string, string>;
}

export type IntegrationDefinition = HttpIntegrationDefinition | MockIntegrationDefinition | AwsIntegrationDefinition;

export interface RouteDefinition {
  /**
   * A Lambda-style handler: a Lambda proxy integration, or with `integration.type: AWS`
   * (and no `uri`) a Lambda non-proxy one. Otherwise give `handler` or `integration`.
   */
  handler?: HandlerReference;
  /** An HTTP, HTTP_PROXY, MOCK or AWS integration. */
  integration?: IntegrationDefinition;
  /**
   * Two-way route: the integration's result body is sent back to the caller
   * (API Gateway's `RouteResponseSelectionExpression: $default` with a `$default`
   * route response). An object also names the route response's models, which
   * document the answer, as on AWS, and are not checked against it.
   * @default false
   */
  routeResponse?: boolean | RouteResponseDefinition;
  /** One request model for every message on this route. */
  model?: JsonSchema;
  /** Request models keyed by the result of `modelSelectionExpression` (`$default` is the fallback). */
  models?: Record<string, JsonSchema>;
  /** @example '${request.body.messageType}' */
  modelSelectionExpression?: string;
  /** Integration timeout in milliseconds, 50 to 29000. @default 29000 */
  timeoutInMillis?: number;
  /**
   * Per-route throttling (API Gateway `RouteSettings`). Falls back to the stage's
   * `throttling`; `false` turns throttling off for this route.
   */
  throttling?: ThrottleSettings | false;
  /** Environment variables for this route's function, on top of the top-level `environment`. */
  environment?: Record<string, string>;
  /** Function name reported in the Lambda context. @default '<stage>-<routeKey>' */
  functionName?: string;
}

/** API Gateway's `$default` RouteResponse (the only key WebSocket APIs support). */
export interface RouteResponseDefinition {
  /** Response models (JSON Schema draft 4) keyed by `modelSelectionExpression`'s result. */
  models?: Record<string, JsonSchema>;
  modelSelectionExpression?: string;
}

export interface AuthorizerDefinition {
  /** The REQUEST authorizer function. */
  handler: HandlerReference;
  /**
   * Identity sources; when any is missing or empty the handshake gets 401 without
   * invoking the authorizer (spec 6). Without any, the authorizer runs on every
   * handshake, as on AWS.
   * @example ['route.request.querystring.token']
   * @default []
   */
  identitySource?: string[];
  environment?: Record<string, string>;
  functionName?: string;
}

export interface AccessLogDefinition {
  /** `clf`, `json`, or a custom single-line format with `$context.*` variables. @default 'clf' */
  format?: string;
  /** `stdout`, `stderr` or a file path (relative to the config file). @default 'stdout' */
  destination?: string;
}

export interface LimitsDefinition {
  /** Close a connection after this long without data frames either way. @default 600 */
  idleTimeoutSeconds?: number;
  /** Force-close every connection after this long. @default 7200 */
  maxDurationSeconds?: number;
  /** Largest single frame; larger closes with 1009. @default 32768 */
  maxFrameBytes?: number;
  /** Largest message (all fragments); larger closes with 1009. @default 131072 */
  maxMessageBytes?: number;
  /** New WebSocket connections per second; above it the handshake gets 429. @default 500 */
  newConnectionsPerSecond?: number;
  /**
   * Bytes that may wait to be sent to one client (not yet taken by the kernel).
   * Beyond it the client is a slow consumer: a channel publish or server frame
   * drops it with close code 1013 (`$disconnect` reports it), and a `@connections`
   * post answers 429 `LimitExceededException`. Bounds the memory a client that
   * stops reading can hold. Not an API Gateway setting.
   * @default 1048576
   */
  maxQueuedBytesPerConnection?: number;
  /**
   * A new TCP connection that sends nothing for this long is closed (counted in
   * `switchboard_client_errors_total{kind="first_byte_timeout"}`). Not an API Gateway setting.
   * @default 10
   */
  firstByteTimeoutSeconds?: number;
  /**
   * A TLS handshake, and then a request head (request line and headers, such as a
   * WebSocket upgrade), must each arrive within this long of their first byte;
   * slower clients (slowloris) get 408 and are closed. Not an API Gateway setting.
   * @default 10
   */
  requestHeadersTimeoutSeconds?: number;
  /**
   * Integration calls (message routes) one connection may have in flight. Further
   * messages wait, in order, and the connection's socket is not read until one
   * finishes, so a client cannot queue unbounded work or memory (TCP pushes back on
   * it). Not an API Gateway setting.
   * @default 10
   */
  maxInFlightPerConnection?: number;
  /**
   * Largest HTTP integration response body read from a backend; a larger one fails
   * the call (`Internal server error` frame, 502 on `$connect`) without being read
   * further. What reaches a client is capped at 128 KB anyway (API Gateway's message
   * quota); this bounds what a call holds while a response template shrinks it.
   * @default 1048576
   */
  maxIntegrationResponseBytes?: number;
}

export interface ManagementDefinition {
  /**
   * Who may call `@connections`:
   * - `loopback`: callers on 127.0.0.0/8 or ::1, or any caller whose request carries a
   *   valid SigV4 signature for `credentials`;
   * - `signed`: only SigV4-signed requests (needs `credentials`).
   * @default 'loopback'
   */
  access?: 'loopback' | 'signed';
  /** Credentials that SigV4 signatures are verified against; also given to functions. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Throttling of management calls (429 LimitExceededException above it). */
  throttling?: ThrottleSettings;
}

/** Where `AWS` service integrations send their calls, and what they sign them with. */
export interface AwsServicesDefinition {
  /**
   * Endpoint per service, named as in the integration URI (`dynamodb`, `sqs`, `states`,
   * `sns`, `kinesis`, `events`). There is no default: a route to a service without an
   * endpoint stops start-up, so nothing reaches real AWS by accident. `switchboard
   * serve` of a template sets `dynamodb` to the DynamoDB Local it starts.
   * @example { dynamodb: 'http://127.0.0.1:8000', sqs: 'http://127.0.0.1:4566' }
   */
  endpoints?: Record<string, string>;
  /**
   * Credentials the calls are signed with (SigV4).
   * @default management.credentials, else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` of the gateway's environment
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface GatewayDefinition {
  /** @default 'dev' */
  stage?: string;
  /** @default '$request.body.action' */
  routeSelectionExpression?: string;
  /** Environment variables for every function. */
  environment?: Record<string, string>;
  /** Workers and queue of every module handler. */
  concurrency?: ConcurrencyDefinition;
  stageVariables?: Record<string, string>;
  routes: Record<string, RouteDefinition>;
  authorizer?: AuthorizerDefinition;
  /**
   * Stage default throttling (API Gateway `DefaultRouteSettings`): each message route
   * gets its own bucket with these settings. Unlimited when absent from code;
   * `switchboard serve` applies AWS's account default (burst 5000, 10000 per second)
   * unless the config sets it, or turns it off with `false`.
   */
  throttling?: ThrottleSettings | false;
  limits?: LimitsDefinition;
  accessLog?: AccessLogDefinition;
  management?: ManagementDefinition;
  awsServices?: AwsServicesDefinition;
  /** Ten characters, like an API Gateway API id. @default 'local00000' */
  apiId?: string;
  /** Used in ARNs (`methodArn`, function ARNs). @default 'us-east-1' */
  region?: string;
  /** Used in ARNs. @default '000000000000' */
  accountId?: string;
}
