/**
 * `@connections` across a cluster, behind the same `ManagementClient` interface as
 * on one node. A connection of this node takes the local path and never touches
 * Redis; any other id is looked up in the directory and the call runs on the node
 * that holds it, with the same answers (spec 3.3): 410 for an id no live node
 * holds, including the connections of a node that stopped.
 */
import type { ManagementClient } from '../management/client.ts';
import { ManagementApiError, ManagementErrorType } from '../management/errors.ts';
import type { ClusterNode } from './cluster-node.ts';
import { describeFromWire } from './node-rpc.ts';

export interface ClusterManagementOptions {
  /** Largest PostToConnection payload, checked before a post is forwarded (spec 3.1: 131072). */
  maxPayloadBytes: number;
}

export function createClusterManagementClient(
  local: ManagementClient,
  isLocal: (connectionId: string) => boolean,
  node: ClusterNode,
  options: ClusterManagementOptions,
): ManagementClient {
  return {
    async postToConnection(input) {
      if (isLocal(input.ConnectionId)) return local.postToConnection(input);
      const { Data } = input;
      const payload =
        typeof Data === 'string' ? Buffer.from(Data) : Buffer.from(Data.buffer, Data.byteOffset, Data.length);
      if (payload.length > options.maxPayloadBytes) throw new ManagementApiError(ManagementErrorType.payloadTooLarge);
      await node.forward({ op: 'post', connectionId: input.ConnectionId }, payload);
    },
    async getConnection(input) {
      if (isLocal(input.ConnectionId)) return local.getConnection(input);
      return describeFromWire(await node.forward({ op: 'get', connectionId: input.ConnectionId }));
    },
    async deleteConnection(input) {
      if (isLocal(input.ConnectionId)) return local.deleteConnection(input);
      await node.forward({ op: 'delete', connectionId: input.ConnectionId });
    },
  };
}
