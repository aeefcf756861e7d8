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
    accessLog: definition.accessLog,
    management: { access: 'loopback', ...definition.management },
  };
}
