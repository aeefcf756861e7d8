/**
 * The chat protocol suite (chat-protocol-suite.ts) on the container deployment's
 * configuration: two nodes in child processes, each configured by `readChatConfig`
 * from the environment a Fargate task of the container stack gets (DYNAMODB_TABLE,
 * REDIS_URL with REDIS_KEY_PREFIX, CHAT_TOKEN_SECRET_ARN, NODE_ID), on DynamoDB
 * Local, the local Redis and a local Secrets Manager. The AWS SDK finds them
 * through its standard AWS_ENDPOINT_URL_<SERVICE> variables, as it would find AWS.
 * Clients alternate between the nodes, so every conversation crosses Redis.
 * Search reads the word index that the stream indexer writes: before each search
 * the test feeds it the table's real stream, as Lambda's event source mapping
 * does on AWS (both stacks deploy the indexer on the table's stream).
 *
 * What differs from a deployment: the password hashing cost (not a setting: OWASP's
 * cost would make the suite's sign-ups take minutes), and patience with a machine
 * busy with other tests (node liveness, DynamoDB request timeout).
 *
 *   ws clients ─▶ node a ─┐            ┌─▶ DynamoDB Local (through a TCP relay the outage test cuts)
 *   ws clients ─▶ node b ─┴─ Redis ────┴─▶ Secrets Manager (local)
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readChatConfig } from '../src/config.ts';
import { startChatServer } from '../src/server.ts';
import { ChatServerError, ChatServerErrorCode } from '../src/server-error.ts';
import { SearchIndexer } from '../src/store/dynamodb/search-indexer.ts';
import { describeChatProtocol } from './chat-protocol-suite.ts';
import { ChatClient, register, uniqueName } from './chat-test-client.ts';
import { type ChildNode, freshKeyPrefix, redisUrl, startChildNode } from './cluster/cluster-harness.ts';
import { dynamoDbLocalEndpoint, localClient, localCredentials, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';
import { TableStream } from './dynamodb-stream.ts';
import { SecretsManagerLocal } from './secrets-manager-local.ts';
import { type Relay, startRelay } from './tcp-relay.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

after(stopDynamoDbLocal);

describeChatProtocol('chat protocol over the gateway, on DynamoDB and Redis (two nodes)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-protocol-dynamodb-'));
  const secrets = await SecretsManagerLocal.start();
  const dynamoDb = new URL(await dynamoDbLocalEndpoint());
  const target = { host: dynamoDb.hostname, port: Number(dynamoDb.port) };
  let relay: Relay = await startRelay(target);
  const nodes: ChildNode[] = [];
  const tableName = await newTable();
  const client = await localClient();
  const stream = await TableStream.open(client, tableName);
  const indexer = new SearchIndexer(DynamoDBDocumentClient.from(client), tableName);
  try {
    const task = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DYNAMODB_TABLE: tableName,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: freshKeyPrefix(),
      CHAT_TOKEN_SECRET_ARN: secrets.create('chat-token', 'k'.repeat(64)),
      CHAT_RATE_LIMITS: JSON.stringify(relaxedRateLimits),
    };
    const aws = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${relay.port}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    };
    for (const nodeId of ['a', 'b']) {
      const { server } = readChatConfig({}, { ...task, NODE_ID: nodeId }, dataDir);
      assert.ok(server.cluster && server.dynamodb);
      nodes.push(
        await startChildNode(
          {
            ...server,
            // The suite is about the protocol, not failure detection (cluster/node-failure.test.ts): on a
            // machine busy with other tests a node may stall for seconds, which must not count as a death,
            // nor a slow DynamoDB Local answer as an outage.
            cluster: { ...server.cluster, nodeTtlMs: 60_000 },
            dynamodb: { ...server.dynamodb, client: { requestHandler: { requestTimeout: 30_000 } } },
            logger: false,
            passwordCost: cheapPasswordCost,
          },
          aws,
        ),
      );
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
    await relay.cut();
    await secrets.close();
    stream.close();
    client.destroy();
    throw error;
  }
  return {
    nodes,
    searchIndexed: () => stream.drain((records) => indexer.index(records)),
    async storeOutage() {
      // DynamoDB's host refuses connections: the SDK's retries fail, then the store answers STORE_UNAVAILABLE.
      const port = relay.port;
      await relay.cut();
      return async () => {
        relay = await startRelay(target, port);
      };
    },
    async close() {
      await Promise.all(nodes.map((node) => node.stop()));
      await relay.cut();
      await secrets.close();
      stream.close();
      client.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

describe('startChatServer on DynamoDB', () => {
  it('runs one node on its own (in-process channels): ready, and a message reaches the other member', async () => {
    const client = { endpoint: await dynamoDbLocalEndpoint(), region: 'us-east-1', credentials: localCredentials };
    const chat = await startChatServer({
      port: 0,
      logger: false,
      passwordCost: cheapPasswordCost,
      rateLimits: relaxedRateLimits,
      tokenSecret: 'a-local-secret-of-at-least-32-characters',
      dynamodb: { tableName: await newTable(), client },
    });
    const clients: ChatClient[] = [];
    try {
      assert.deepEqual(await chat.readiness(), { status: 'ready', down: [], checks: { store: 'up' } });
      for (const session of [await register(chat.url), await register(chat.url)]) {
        const member = await ChatClient.connect(chat.webSocketUrl, session.token);
        clients.push(member);
        await member.ok({ action: 'hello' });
      }
      const [ada, bob] = clients as [ChatClient, ChatClient];
      const { room } = await ada.ok({ action: 'createRoom', name: uniqueName('room') });
      await bob.ok({ action: 'joinRoom', roomId: room.id });
      const ack = await ada.ok({ action: 'sendMessage', roomId: room.id, text: 'on DynamoDB', clientMessageId: 'm1' });
      const delivered = await bob.waitFor((frame) => frame.type === 'message' && frame.message.id === ack.message.id);
      assert.equal(delivered.message.text, 'on DynamoDB');
    } finally {
      await Promise.all(clients.map((member) => member.close()));
      await chat.close();
    }
  });

  it('refuses to start on a table that does not exist, naming it and DynamoDB’s reason', async () => {
    const client = { endpoint: await dynamoDbLocalEndpoint(), region: 'us-east-1', credentials: localCredentials };
    await assert.rejects(
      startChatServer({ port: 0, logger: false, dynamodb: { tableName: 'no-such-table', client } }),
      (error: unknown) => {
        assert.ok(error instanceof ChatServerError);
        assert.equal(error.code, ChatServerErrorCode.database);
        assert.match(
          error.message,
          /^Cannot use the DynamoDB table no-such-table \(DYNAMODB_TABLE\): .*non-existent table/i,
        );
        return true;
      },
    );
  });

  it('refuses to start when the token secret cannot be read, naming CHAT_TOKEN_SECRET_ARN', async () => {
    const secrets = await SecretsManagerLocal.start();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    });
    try {
      const client = { endpoint: await dynamoDbLocalEndpoint(), region: 'us-east-1', credentials: localCredentials };
      const tokenSecretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf';
      await assert.rejects(
        startChatServer({ port: 0, logger: false, tokenSecretArn, dynamodb: { tableName: await newTable(), client } }),
        (error: unknown) => {
          assert.ok(error instanceof ChatServerError);
          assert.equal(error.code, ChatServerErrorCode.config);
          assert.match(
            error.message,
            /^Cannot read the token secret at CHAT_TOKEN_SECRET_ARN \(arn:.*missing-AbCdEf\)/,
          );
          return true;
        },
      );
    } finally {
      process.env = saved;
      await secrets.close();
    }
  });
});
