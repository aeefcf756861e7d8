/**
 * The definition with every default applied, in one place (STYLE: defaults in one
 * spread). Everything downstream reads `Settings`, never the raw definition.
 */
import type { AccessLogDefinition, GatewayDefinition, ManagementDefinition, ThrottleSettings } from './definition.ts';

export interface Settings {
  stage: string;
  apiId: string;
  region: string;
  accountId: string;
  routeSelectionExpression: string;
  environment: Record<string, string>;
  stageVariables: Record<string, string> | undefined;
  throttling: ThrottleSettings | undefined;
  idleTimeoutMs: number;
  maxDurationMs: number;
  maxFrameBytes: number;
  maxMessageBytes: number;
  newConnectionsPerSecond: number;
  maxQueuedBytesPerConnection: number;
  accessLog: AccessLogDefinition | undefined;
  management: Required<Pick<ManagementDefinition, 'access'>> & ManagementDefinition;
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
} as const;

export function resolveSettings(definition: GatewayDefinition): Settings {
  const limits = { ...DEFAULT_LIMITS, ...definition.limits };
  return {
    stage: definition.stage ?? 'dev',
    apiId: definition.apiId ?? 'local00000',
    region: definition.region ?? 'us-east-1',
    accountId: definition.accountId ?? '000000000000',
    routeSelectionExpression: definition.routeSelectionExpression ?? '$request.body.action',
    environment: definition.environment ?? {},
    stageVariables: definition.stageVariables,
    throttling: definition.throttling,
    idleTimeoutMs: limits.idleTimeoutSeconds * 1000,
    maxDurationMs: limits.maxDurationSeconds * 1000,
    maxFrameBytes: limits.maxFrameBytes,
    maxMessageBytes: limits.maxMessageBytes,
    newConnectionsPerSecond: limits.newConnectionsPerSecond,
    maxQueuedBytesPerConnection: limits.maxQueuedBytesPerConnection,
    accessLog: definition.accessLog,
    management: { access: 'loopback', ...definition.management },
  };
}
