/** Every answer fits one 128 KB message on the AWS deployment's store (DynamoDB Local, real SDK). */
import { after } from 'node:test';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { runAnswerSizeSuite } from './answer-size-suite.ts';
import { localClient, membershipItems, newTable, putItems, stopDynamoDbLocal } from './dynamodb-local.ts';

after(stopDynamoDbLocal);

runAnswerSizeSuite('DynamoDB', async () => {
  const client = await localClient();
  const doc = DynamoDBDocumentClient.from(client);
  const table = await newTable();
  return {
    store: new DynamoDbChatStore(doc, table),
    fanOut: 'posting',
    addMembers: (room, users) =>
      putItems(
        doc,
        table,
        users.flatMap((user) => membershipItems(room, user)),
      ),
    close: async () => client.destroy(),
  };
});
