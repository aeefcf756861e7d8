/**
 * Structured logs of the gateway (pino, one JSON object per line). Every line carries
 * `component: "gateway"`; lines about one connection or one request carry its
 * `connectionId` and `requestId`, the same ids the events and access log use, so the
 * three can be joined.
 *
 * @example
 * const logger = createLogger({ level: 'debug' });
 * const log = requestLogger(logger, { connectionId, requestId });
 * log.warn({ err }, 'integration failed');
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { ConfigError } from '../errors.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /**
   * Lowest level written: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.
   * @default 'info'
   */
  level?: string;
  /**
   * Where lines go. Any pino destination, e.g. `pino.destination('gateway.log')`.
   * @default standard output
   */
  destination?: DestinationStream;
  /**
   * `false` writes nothing (level `silent`), whatever `level` says.
   * @default true
   */
  enabled?: boolean;
}

/** @throws {ConfigError} when `level` is not a pino level. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', destination, enabled = true } = options;
  if (level !== 'silent' && !Object.hasOwn(pino.levels.values, level)) {
    throw new ConfigError(
      `The log level "${level}" is unknown; use one of ${Object.keys(pino.levels.values).join(', ')} or silent`,
    );
  }
  return pino({ level: enabled ? level : 'silent', base: { component: 'gateway' } }, destination);
}

/** A child logger whose lines carry `connectionId`. */
export function connectionLogger(logger: Logger, connectionId: string): Logger {
  return logger.child({ connectionId });
}

/** A child logger whose lines carry `connectionId` and `requestId` (one event or `@connections` call). */
export function requestLogger(logger: Logger, ids: { connectionId: string; requestId: string }): Logger {
  return logger.child({ connectionId: ids.connectionId, requestId: ids.requestId });
}
