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

export interface HttpIntegrationDefinition {
  /**
   * `HTTP_PROXY` forwards the message body as is and returns the backend body.
   * `HTTP` applies `requestTemplates` and `responses` (section 7 of the spec).
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
  /** Template selection expression for `requestTemplates`. @default '$default' */
  templateSelectionExpression?: string;
  /** VTL-subset templates keyed by the selection result (`$default` is the fallback). */
  requestTemplates?: Record<string, string>;
  /**
   * Integration responses for `HTTP` (non-proxy): keys are `$default` or a status
   * regex in slashes, e.g. `/2\\d\\d/`; values may carry a response template.
   */
  responses?: Record<string, { template?: string }>;
}

export interface RouteDefinition {
  /** A Lambda-style handler. Exactly one of `handler` and `integration` is given. */
  handler?: HandlerReference;
  /** An HTTP or HTTP_PROXY integration. */
  integration?: HttpIntegrationDefinition;
  /**
   * Two-way route: the integration's result body is sent back to the caller
   * (API Gateway's `RouteResponseSelectionExpression: $default`).
   * @default false
   */
  routeResponse?: boolean;
  /** One request model for every message on this route. */
  model?: JsonSchema;
  /** Request models keyed by the result of `modelSelectionExpression` (`$default` is the fallback). */
  models?: Record<string, JsonSchema>;
  /** @example '${request.body.messageType}' */
  modelSelectionExpression?: string;
  /** Integration timeout in milliseconds, 50 to 29000. @default 29000 */
  timeoutInMillis?: number;
  /** Per-route throttling (API Gateway `RouteSettings`). Falls back to the stage's `throttling`. */
  throttling?: ThrottleSettings;
  /** Environment variables for this route's function, on top of the top-level `environment`. */
  environment?: Record<string, string>;
  /** Function name reported in the Lambda context. @default '<stage>-<routeKey>' */
  functionName?: string;
}

export interface AuthorizerDefinition {
  /** The REQUEST authorizer function. */
  handler: HandlerReference;
  /**
   * Identity sources; when any is missing or empty the handshake gets 401 without
   * invoking the authorizer (spec 6).
   * @example ['route.request.querystring.token']
   * @default ['route.request.header.Authorization']
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

export interface GatewayDefinition {
  /** @default 'dev' */
  stage?: string;
  /** @default '$request.body.action' */
  routeSelectionExpression?: string;
  /** Environment variables for every function. */
  environment?: Record<string, string>;
  stageVariables?: Record<string, string>;
  routes: Record<string, RouteDefinition>;
  authorizer?: AuthorizerDefinition;
  /** Stage default throttling (API Gateway `DefaultRouteSettings`). Unlimited when absent. */
  throttling?: ThrottleSettings;
  limits?: LimitsDefinition;
  accessLog?: AccessLogDefinition;
  management?: ManagementDefinition;
  /** Ten characters, like an API Gateway API id. @default 'local00000' */
  apiId?: string;
  /** Used in ARNs (`methodArn`, function ARNs). @default 'us-east-1' */
  region?: string;
  /** Used in ARNs. @default '000000000000' */
  accountId?: string;
}
