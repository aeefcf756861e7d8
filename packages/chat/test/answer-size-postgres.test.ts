/** Every answer fits one 128 KB message on the cluster store (PostgreSQL, a schema of this run). */
import { after } from 'node:test';
import { PostgresChatStore } from '../src/store/postgres/postgres-chat-store.ts';
import { runAnswerSizeSuite } from './answer-size-suite.ts';
import { databaseUrl, dropSchemas, freshSchema } from './cluster/cluster-harness.ts';

after(dropSchemas);

runAnswerSizeSuite('PostgreSQL', async () => {
  const store = await PostgresChatStore.open({ connectionString: databaseUrl, schema: freshSchema() });
  return { store, fanOut: 'channels', close: () => store.close() };
});
