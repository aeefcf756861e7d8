/**
 * The definition with every default applied, in one place (STYLE: defaults in one
 * spread). Everything downstream reads `Settings`, never the raw definition.
 */
import type {
  AccessLogDefinition,
  ConcurrencyDefinition,
  GatewayDefinition,
  ManagementDefinition,
  ThrottleSettings,
} from './definition.ts';

/** A function's workers and queue with every default applied. */
export type ConcurrencySettings = Required<ConcurrencyDefinition>;

export interface Settings {
  stage: string;
  apiId: string;
  region: string;
  accountId: string;
  routeSelectionExpression: string;
  environment: Record<string, string>;
  /** Workers and queue of every module handler. */
  concurrency: ConcurrencySettings;
  stageVariables: Record<string, string> | undefined;
  throttling: ThrottleSettings | undefined;
  maxInFlightPerConnection: number;
  maxIntegrationResponseBytes: number;
  idleTimeoutMs: number;
  maxDurationMs: number;
  maxFrameBytes: number;
  maxMessageBytes: number;
  newConnectionsPerSecond: number;
  maxQueuedBytesPerConnection: number;
  firstByteTimeoutMs: number;
  requestHeadersTimeoutMs: number;
  accessLog: AccessLogDefinition | undefined;
  management: Required<Pick<ManagementDefinition, 'access'>> & ManagementDefinition;
  /** Where AWS service integrations call, and what they sign with (`awsServices` with its fallbacks). */
  awsServices: {
    endpoints: Record<string, string>;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  };
}

export const DEFAULT_LIMITS = {
  /** Spec 4: idle connections close after 10 minutes. */
  idleTimeoutSeconds: 600,
  /** Spec 4: the hard 2-hour connection duration. */
  maxDurationSeconds: 7200,
  /** Spec 4: 32 KB frames. */
  maxFrameBytes: 32 * 1024,
  /** Spec 4: 128 KB messages. */
  maxMessageBytes: 128 * 1024,
  /** Spec 4: 500 new connections per second per account and Region. */
  newConnectionsPerSecond: 500,
  /**
   * 1 MiB: eight messages of the largest size (128 KB), so a burst to a client on a
   * slow link does not cost it its connection, while 10,000 stalled clients hold at
   * most ~10 GB rather than unbounded memory. The kernel's socket buffer comes on top.
   */
  maxQueuedBytesPerConnection: 1024 * 1024,
  /**
   * Not an API Gateway setting (AWS's edge enforces its own). 10 s is far more
   * than any client needs to send its first byte, and a silent connection costs a
   * socket and a file descriptor until then.
   */
  firstByteTimeoutSeconds: 10,
  /**
   * Slowloris protection: a TLS handshake, and a request head, must each complete
   * within 10 s of their first byte (Node's own default is 60 s for the head).
   */
  requestHeadersTimeoutSeconds: 10,
  /**
   * Ten calls at once is more than an interactive client needs (a chat sends one
   * message and a few typing notices at a time) and bounds a flood to ten
   * integrations per connection.
   */
  maxInFlightPerConnection: 10,
  /** 1 MiB: eight of the largest messages, bounding memory per call (AWS's REST APIs allow 10 MB). */
  maxIntegrationResponseBytes: 1024 * 1024,
} as const;

/**
 * AWS's account-level throttling per Region (spec 4: 10,000 requests per second,
 * burst 5,000), what a stage without its own settings gets on AWS.
 */
export const ACCOUNT_THROTTLING = { burstLimit: 5000, rateLimit: 10_000 } as const satisfies ThrottleSettings;

/**
 * API Gateway's message payload quota (spec 4: 128 KB), for everything sent to a
 * client: route responses, `@connections` posts, channel publishes.
 */
export const MAX_OUTBOUND_MESSAGE_BYTES = 131_072;

export const DEFAULT_CONCURRENCY = {
  /**
   * Four environments answer four slow calls at once while a cold start costs about
   * half a second and 30 MB each; raise it for handlers that mostly wait on I/O.
   */
  maxWorkers: 4,
  /** Lambda's model: one invocation per environment at a time. */
  maxInvocationsPerWorker: 1,
  /** A burst of 100 waits rather than failing; a 128 KB message each bounds it to ~13 MB. */
  maxQueuedInvocations: 100,
  /** Extra workers of a burst end within a minute of it. */
  idleWorkerSeconds: 60,
} as const satisfies ConcurrencySettings;

export function resolveSettings(definition: GatewayDefinition): Settings {
  const limits = { ...DEFAULT_LIMITS, ...definition.limits };
  return {
    stage: definition.stage ?? 'dev',
    apiId: definition.apiId ?? 'local00000',
    region: definition.region ?? 'us-east-1',
    accountId: definition.accountId ?? '000000000000',
    routeSelectionExpression: definition.routeSelectionExpression ?? '$request.body.action',
    environment: definition.environment ?? {},
    concurrency: { ...DEFAULT_CONCURRENCY, ...definition.concurrency },
    stageVariables: definition.stageVariables,
    throttling: definition.throttling || undefined,
    maxInFlightPerConnection: limits.maxInFlightPerConnection,
    maxIntegrationResponseBytes: limits.maxIntegrationResponseBytes,
    idleTimeoutMs: limits.idleTimeoutSeconds * 1000,
    maxDurationMs: limits.maxDurationSeconds * 1000,
    maxFrameBytes: limits.maxFrameBytes,
    maxMessageBytes: limits.maxMessageBytes,
    newConnectionsPerSecond: limits.newConnectionsPerSecond,
    maxQueuedBytesPerConnection: limits.maxQueuedBytesPerConnection,
    firstByteTimeoutMs: limits.firstByteTimeoutSeconds * 1000,
    requestHeadersTimeoutMs: limits.requestHeadersTimeoutSeconds * 1000,
    accessLog: definition.accessLog,
    management: { access: 'loopback', ...definition.management },
    awsServices: {
      endpoints: { ...definition.awsServices?.endpoints },
      credentials:
        definition.awsServices?.credentials ?? definition.management?.credentials ?? environmentCredentials(),
    },
  };
}

/** The gateway's own AWS credentials from its environment, as the AWS SDK reads them first. */
function environmentCredentials(): Settings['awsServices']['credentials'] {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
