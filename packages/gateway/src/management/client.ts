/**
 * The in-process `@connections` client for handlers that run inside the gateway.
 * Method names, inputs and outputs follow `@aws-sdk/client-apigatewaymanagementapi`
 * commands, and failures throw errors named like the SDK's (`GoneException`, ...).
 *
 * @example
 * ```ts
 * try {
 *   await gateway.management.postToConnection({ ConnectionId: id, Data: 'hi' });
 * } catch (error) {
 *   if ((error as Error).name === 'GoneException') await forget(id);
 * }
 * ```
 */
import type { ConnectionDescription, ConnectionOperations } from './operations.ts';

export interface ManagementClient {
  postToConnection(input: { ConnectionId: string; Data: string | Uint8Array }): Promise<void>;
  getConnection(input: { ConnectionId: string }): Promise<ConnectionDescription>;
  deleteConnection(input: { ConnectionId: string }): Promise<void>;
}

export function createManagementClient(operations: ConnectionOperations): ManagementClient {
  return {
    async postToConnection({ ConnectionId, Data }) {
      operations.post(
        ConnectionId,
        typeof Data === 'string' ? Data : Buffer.from(Data.buffer, Data.byteOffset, Data.byteLength),
      );
    },
    async getConnection({ ConnectionId }) {
      return operations.describe(ConnectionId);
    },
    async deleteConnection({ ConnectionId }) {
      operations.delete(ConnectionId);
    },
  };
}
