/**
 * Powertools for AWS Lambda in every chat function: structured JSON logs, X-Ray
 * subsegments and CloudWatch metrics (embedded metric format), all under the
 * deployment's service name (`POWERTOOLS_SERVICE_NAME`, set by the CDK app to the
 * stack's name). `instrumented` wraps an entry point so that every log line and
 * trace of one invocation carries its correlation ids: the Lambda request id,
 * and, where the event has them, the connection id, API Gateway's request id and
 * the user id.
 *
 * Outside Lambda the tracer is off by itself; `POWERTOOLS_METRICS_DISABLED` and
 * `POWERTOOLS_LOG_LEVEL` quiet the rest (tests).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { ChatLogger } from '../../domain/chat-service.ts';
import { ChatMetrics } from '../metric-names.ts';

const DEFAULT_SERVICE = 'switchboard-chat';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE });
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE });
export const metrics = new Metrics({
  namespace: ChatMetrics.namespace,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE,
});

/** The Powertools logger as the service's and the handlers' `ChatLogger`. */
export const chatLogger: ChatLogger = {
  warn: (details, message) => logger.warn(message, details as Record<string, unknown>),
};

/** The ids that tie one invocation's logs and traces to a connection, a request and a user. */
export interface CorrelationIds {
  connectionId?: string;
  requestId?: string;
  userId?: string;
}

/** Reads the correlation ids of a WebSocket, authorizer or HTTP API event (absent ones are left out). */
export function correlationIds(event: unknown): CorrelationIds {
  const context = (event as { requestContext?: Record<string, unknown> } | undefined)?.requestContext;
  if (!context) return {};
  const authorizer = context.authorizer as Record<string, unknown> | null | undefined;
  const ids: CorrelationIds = {};
  if (typeof context.connectionId === 'string') ids.connectionId = context.connectionId;
  if (typeof context.requestId === 'string') ids.requestId = context.requestId;
  const userId = authorizer?.principalId ?? authorizer?.userId;
  if (typeof userId === 'string') ids.userId = userId;
  return ids;
}

type Handler<E, R> = (event: E, context: object) => Promise<R>;

/**
 * Runs `handler` with the invocation's correlation ids on every log line and as
 * X-Ray annotations of a subsegment named after the function, logs a failure
 * before rethrowing it, and flushes the invocation's metrics at the end.
 */
export function instrumented<E, R>(name: string, handler: Handler<E, R>): Handler<E, R> {
  return async (event, context) => {
    const ids = correlationIds(event);
    if ('awsRequestId' in context) logger.addContext(context as Parameters<Logger['addContext']>[0]);
    logger.appendKeys({ ...ids });
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${name}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    for (const [key, value] of Object.entries(ids)) tracer.putAnnotation(key, value);
    try {
      return await handler(event, context);
    } catch (error) {
      logger.error(`${name} failed`, error as Error);
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
      logger.removeKeys(Object.keys(ids));
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
