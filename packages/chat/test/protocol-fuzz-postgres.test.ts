/** Arbitrary frames for every action (protocol-fuzz-suite.ts) on the cluster store (PostgreSQL, a schema of this run). */
import { after } from 'node:test';
import { PostgresChatStore } from '../src/store/postgres/postgres-chat-store.ts';
import { databaseUrl, dropSchemas, freshSchema } from './cluster/cluster-harness.ts';
import { runProtocolFuzz } from './protocol-fuzz-suite.ts';

after(dropSchemas);

runProtocolFuzz(
  'PostgreSQL',
  async () => {
    const store = await PostgresChatStore.open({ connectionString: databaseUrl, schema: freshSchema() });
    return { store, fanOut: 'channels', close: () => store.close() };
  },
  1_000,
);
