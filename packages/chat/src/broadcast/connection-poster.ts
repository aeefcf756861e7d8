/**
 * The `ConnectionPoster` port: one `@connections` PostToConnection call (or a
 * DeleteConnection, to close one). A call for a connection that no longer exists
 * rejects with an error named `GoneException` (HTTP 410), as the AWS SDK's does.
 */
import type { ConnectionId } from '../domain/types.ts';

export interface ConnectionPoster {
  post(connectionId: ConnectionId, data: string): Promise<void>;
  close(connectionId: ConnectionId): Promise<void>;
}

/**
 * Anything with the SDK's `postToConnection` and `deleteConnection` methods: the gateway's in-process
 * `gateway.management`, or `new ApiGatewayManagementApi({ endpoint })` on AWS.
 */
export interface PostToConnectionClient {
  postToConnection(input: { ConnectionId: string; Data: string }): Promise<unknown>;
  deleteConnection(input: { ConnectionId: string }): Promise<unknown>;
}

/**
 * @example const poster = managementPoster(gateway.management);
 */
export function managementPoster(client: PostToConnectionClient): ConnectionPoster {
  return {
    async post(connectionId, data) {
      await client.postToConnection({ ConnectionId: connectionId, Data: data });
    },
    async close(connectionId) {
      await client.deleteConnection({ ConnectionId: connectionId });
    },
  };
}

/** The SDK's and the gateway's 410: the connection is gone (or, briefly, still in its `$connect`). */
export function isGone(error: unknown): boolean {
  return error instanceof Error && error.name === 'GoneException';
}
