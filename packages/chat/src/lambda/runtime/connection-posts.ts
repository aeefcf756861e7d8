/**
 * Posting to WebSocket connections through API Gateway's `@connections` API, for
 * the functions that broadcast: one `ApiGatewayManagementApi` client per
 * container and endpoint, traced by X-Ray, and every post counted in the chat's
 * metrics (`ChatMetrics`: posts, 410 Gone, 429 throttled).
 */
import { ApiGatewayManagementApi } from '@aws-sdk/client-apigatewaymanagementapi';
import { type ConnectionPoster, isGone, managementPoster } from '../../broadcast/connection-poster.ts';
import { ChatMetrics } from '../metric-names.ts';
import { metrics, tracer } from './observability.ts';

const managementClients = new Map<string, ApiGatewayManagementApi>();

/** The management API client of one endpoint (exported so tests can observe its calls). */
export function managementClient(endpoint: string): ApiGatewayManagementApi {
  let client = managementClients.get(endpoint);
  if (!client) {
    client = tracer.captureAWSv3Client(new ApiGatewayManagementApi({ endpoint }));
    managementClients.set(endpoint, client);
  }
  return client;
}

/** Posts to `endpoint`'s connections, counting each outcome. */
export function connectionPoster(endpoint: string): ConnectionPoster {
  const poster = managementPoster(managementClient(endpoint));
  return {
    async post(connectionId, data) {
      metrics.addMetric(ChatMetrics.connectionPosts, 'Count', 1);
      try {
        await poster.post(connectionId, data);
      } catch (error) {
        if (isGone(error)) metrics.addMetric(ChatMetrics.connectionPostsGone, 'Count', 1);
        else if (isThrottled(error)) metrics.addMetric(ChatMetrics.connectionPostsThrottled, 'Count', 1);
        throw error;
      }
    },
    close: (connectionId) => poster.close(connectionId),
  };
}

/** API Gateway answers 429 (`LimitExceededException`) past the account's `@connections` rate. */
function isThrottled(error: unknown): boolean {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 429;
}
