/** Arbitrary frames for every action (protocol-fuzz-suite.ts) on the AWS deployment's store (DynamoDB Local, real SDK). */
import { after } from 'node:test';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { localClient, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';
import { runProtocolFuzz } from './protocol-fuzz-suite.ts';

after(stopDynamoDbLocal);

runProtocolFuzz(
  'DynamoDB',
  async () => {
    const client = await localClient();
    const store = new DynamoDbChatStore(DynamoDBDocumentClient.from(client), await newTable());
    return { store, fanOut: 'posting', close: async () => client.destroy() };
  },
  500,
);
