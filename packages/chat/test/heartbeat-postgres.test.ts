/** The heartbeat on the cluster store (PostgreSQL, a schema of this run). */
import { after } from 'node:test';
import { PostgresChatStore } from '../src/store/postgres/postgres-chat-store.ts';
import { databaseUrl, dropSchemas, freshSchema } from './cluster/cluster-harness.ts';
import { runHeartbeatSuite } from './heartbeat-suite.ts';

after(dropSchemas);

runHeartbeatSuite('PostgreSQL', async () => {
  const store = await PostgresChatStore.open({ connectionString: databaseUrl, schema: freshSchema() });
  return { store, fanOut: 'channels', close: () => store.close() };
});
