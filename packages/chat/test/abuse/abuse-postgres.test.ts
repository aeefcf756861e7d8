/**
 * The abuse suite on the cluster deployment: two nodes on PostgreSQL (a fresh
 * schema) and Redis, behind a trusted proxy; requests alternate between the
 * nodes, so every limit holds for the cluster, not per node.
 */
import { after } from 'node:test';
import { type ChatServer, startChatServer } from '../../src/server.ts';
import { dropSchemas, freshKeyPrefix, freshSchema, nodeOptions } from '../cluster/cluster-harness.ts';
import { runAbuseSuite, selfHostedNode, TRUSTED_LOOPBACK } from './abuse-suite.ts';

after(dropSchemas);

runAbuseSuite('PostgreSQL cluster', async () => {
  const shared = { schema: freshSchema(), keyPrefix: freshKeyPrefix() };
  const nodes: ChatServer[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      // The deployed rate limits, not the relaxed ones of the other cluster tests.
      nodes.push(
        await startChatServer({ ...nodeOptions(i, shared), rateLimits: {}, trustedProxies: TRUSTED_LOOPBACK }),
      );
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.close()));
    throw error;
  }
  return {
    nodes: nodes.map(selfHostedNode),
    close: async () => {
      await Promise.all(nodes.map((node) => node.close()));
    },
  };
});
