/** The heartbeat on the AWS deployment's store (DynamoDB Local, real SDK), posting as the Lambda functions do. */
import { after } from 'node:test';
import { newTable, openStore, stopDynamoDbLocal } from './dynamodb-local.ts';
import { runHeartbeatSuite } from './heartbeat-suite.ts';

after(stopDynamoDbLocal);

runHeartbeatSuite('DynamoDB', async () => {
  const { store, close } = await openStore(await newTable());
  return { store, fanOut: 'posting', manyRooms: false, close };
});
