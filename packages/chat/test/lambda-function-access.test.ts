/**
 * Every chat function reaches only what `functionAccess` grants it (and so what
 * the CDK app's IAM policies allow): the entry points run a session of every
 * route on the Switchboard gateway, against DynamoDB Local and a local S3, and
 * every DynamoDB call, S3 call (presigning included: a presigned URL acts with its
 * signer's rights) and `@connections` post of each function is recorded through
 * the real SDK clients' middleware, attributed to the function by the invocation's
 * async context.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createGateway, type Gateway } from '@switchboard/gateway';
import { type ChatRouteKey, chatApiDefinition, chatRouteKeys } from '../src/api/definition.ts';
import type { Session } from '../src/domain/types.ts';
import { LambdaEnvironment } from '../src/lambda/environment.ts';
import type { ChatFunctionName, FileAction, TableAction } from '../src/lambda/function-access.ts';
import type { HttpApiEvent, HttpApiResult } from '../src/lambda/lambda-events.ts';
import { ChatClient, PASSWORD, uniqueName } from './chat-test-client.ts';
import { dynamoDbLocalEndpoint, localClient, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';
import { TableStream } from './dynamodb-stream.ts';
import { type LocalS3, startLocalS3 } from './files/local-s3.ts';
import { png } from './files/sample-files.ts';
import { setLambdaEnvironment } from './lambda-environment.ts';

type Handler = (event: unknown, context: object) => Promise<unknown>;

const SERVER_ADMIN = 'access-admin';

interface Observed {
  table: Set<TableAction>;
  indexes: boolean;
  posts: number;
  /** DeleteConnection calls: closing a connection. */
  closes: number;
  /** S3 actions by the bucket's prefix (`uploads`, `files`). */
  files: Map<string, Set<FileAction>>;
}

/** The IAM actions an S3 command needs, each on the prefix of the key it needs it on. */
function fileActions(command: string, input: { Key?: string; CopySource?: string }): Array<[string, FileAction]> {
  const prefix = (key: string) => key.split('/')[0]!;
  switch (command) {
    case 'GetObjectCommand':
    case 'HeadObjectCommand':
      return [[prefix(input.Key!), 'GetObject']];
    case 'PutObjectCommand':
      return [[prefix(input.Key!), 'PutObject']];
    case 'DeleteObjectCommand':
      return [[prefix(input.Key!), 'DeleteObject']];
    case 'CopyObjectCommand':
      // `<bucket>/<key>`: reading the source, writing the copy.
      return [
        [prefix(input.CopySource!.split('/').slice(1).join('/')), 'GetObject'],
        [prefix(input.Key!), 'PutObject'],
      ];
    default:
      throw new Error(`an S3 command the access test does not know: ${command}`);
  }
}

/** The IAM actions a DynamoDB command needs (transactions are authorised per item). */
function tableActions(command: string, input: Record<string, unknown>): TableAction[] {
  const name = command.replace(/Command$/, '');
  if (name === 'TransactWriteItems') {
    const kinds = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
    return (input.TransactItems as Array<Record<string, unknown>>).map(
      (item) => kinds[Object.keys(item)[0] as keyof typeof kinds] as TableAction,
    );
  }
  if (name === 'TransactGetItems') return ['GetItem'];
  return [name as TableAction];
}

describe('function access', () => {
  const invocation = new AsyncLocalStorage<ChatFunctionName>();
  const observed = new Map<ChatFunctionName, Observed>();
  const invoked = new Map<ChatFunctionName, number>();
  let inFlight = 0;
  let functionAccess: typeof import('../src/lambda/function-access.ts').functionAccess;
  let forgetConnection: TableAction[];
  let gateway: Gateway;
  let port: number;
  let httpApi: Handler;
  let searchIndexer: Handler;
  let stream: TableStream;
  let streamClient: DynamoDBClient;
  let s3: LocalS3;
  const clients: ChatClient[] = [];

  const record = (update: (entry: Observed) => void): void => {
    const name = invocation.getStore();
    assert.ok(name, 'every call happens inside a function invocation');
    let entry = observed.get(name);
    if (!entry) {
      entry = { table: new Set(), indexes: false, posts: 0, closes: 0, files: new Map() };
      observed.set(name, entry);
    }
    update(entry);
  };
  const attributed =
    (name: ChatFunctionName, handler: Handler): Handler =>
    async (event, context) => {
      invoked.set(name, (invoked.get(name) ?? 0) + 1);
      inFlight++;
      try {
        return await invocation.run(name, () => handler(event, context));
      } finally {
        inFlight--;
      }
    };

  before(async () => {
    const endpoint = await dynamoDbLocalEndpoint();
    const table = await newTable();
    setLambdaEnvironment(endpoint, table);
    s3 = await startLocalS3();
    // The SDK reads the endpoint from the environment, as it reads DynamoDB Local's (path style: an IP address).
    Object.assign(process.env, { FILES_BUCKET: s3.bucket, AWS_ENDPOINT_URL_S3: s3.client.endpoint });
    // The server admin of this session (the table is new, so the name is free).
    process.env[LambdaEnvironment.serverAdmins] = SERVER_ADMIN;
    streamClient = await localClient();
    stream = await TableStream.open(streamClient, table);
    // Imported after the environment is set, as Lambda loads a function.
    ({ functionAccess, forgetConnection } = await import('../src/lambda/function-access.ts'));
    const { lambdaEntryPoints } = await import('../src/lambda/entry-points.ts');
    const { dynamoDbClient } = await import('../src/lambda/runtime/table-store.ts');
    const { managementClient } = await import('../src/lambda/runtime/connection-posts.ts');
    const { s3Client } = await import('../src/lambda/runtime/file-store.ts');
    dynamoDbClient.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        record((entry) => {
          for (const action of tableActions(context.commandName!, input)) entry.table.add(action);
          if (input.IndexName !== undefined) entry.indexes = true;
        });
        return next(args);
      },
      { step: 'initialize', name: 'recordTableAccess' },
    );
    s3Client().middlewareStack.add(
      (next, context) => async (args) => {
        record((entry) => {
          for (const [prefix, action] of fileActions(context.commandName!, args.input as { Key?: string })) {
            entry.files.set(prefix, new Set([...(entry.files.get(prefix) ?? []), action]));
          }
        });
        return next(args);
      },
      { step: 'initialize', name: 'recordFileAccess' },
    );
    const load = async (name: ChatFunctionName, path: string): Promise<Handler> =>
      attributed(name, ((await import(path)) as { handler: Handler }).handler);
    const routes = Object.fromEntries(
      await Promise.all(chatRouteKeys.map(async (key) => [key, await load(key, lambdaEntryPoints.routes[key])])),
    ) as Record<ChatRouteKey, Handler>;
    gateway = await createGateway(
      chatApiDefinition({ authorizer: await load('authorizer', lambdaEntryPoints.authorizer), routes }) as never,
      { port: 0, logger: false },
    );
    const listening = await gateway.listen();
    port = listening.port;
    // Functions post to the management listener, which the gateway names in each event's domainName.
    process.env.CONNECTIONS_URL = `https://localhost:${listening.managementPort}/ws`;
    managementClient(process.env.CONNECTIONS_URL).middlewareStack.add(
      (next, context) => async (args) => {
        record((entry) => (context.commandName === 'DeleteConnectionCommand' ? entry.closes++ : entry.posts++));
        return next(args);
      },
      { step: 'initialize', name: 'recordPosts' },
    );
    httpApi = await load('httpApi', lambdaEntryPoints.httpApi);
    searchIndexer = await load('searchIndexer', lambdaEntryPoints.searchIndexer);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await gateway?.close();
    stream?.close();
    streamClient?.destroy();
    await stopDynamoDbLocal();
    await s3?.close();
  });

  const call = async (method: 'GET' | 'POST', path: string, body: unknown, token?: string): Promise<HttpApiResult> =>
    (await httpApi(
      {
        version: '2.0',
        rawPath: path,
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
        body: body === undefined ? '' : JSON.stringify(body),
        isBase64Encoded: false,
        requestContext: { http: { method, sourceIp: '127.0.0.1' } },
      } satisfies HttpApiEvent,
      {},
    )) as HttpApiResult;
  const post = (path: string, body: unknown, token?: string) => call('POST', path, body, token);

  async function account(path: '/api/register' | '/api/guest', username = uniqueName()): Promise<Session> {
    const answer = await post(path, path === '/api/guest' ? {} : { username, password: PASSWORD });
    assert.equal(answer.statusCode, 201, answer.body);
    return JSON.parse(answer.body) as Session;
  }

  async function connect(session: Session): Promise<ChatClient> {
    const client = await ChatClient.connect(`ws://127.0.0.1:${port}/ws`, session.token);
    clients.push(client);
    await client.ok({ action: 'hello' });
    return client;
  }

  it('uses exactly the table actions, indexes and posts its grant lists, in a session of every route', async (t) => {
    const ada = await account('/api/register');
    const guest = await account('/api/guest');
    assert.equal(
      (await post('/api/login', { username: ada.user.username, password: 'wrong password!' })).statusCode,
      401,
    );
    assert.equal((await post('/api/login', { username: ada.user.username, password: PASSWORD })).statusCode, 200);
    const first = await connect(ada);
    const second = await connect(guest);
    const third = await account('/api/register');

    const room = (await first.ok({ action: 'createRoom', name: uniqueName('room') })).room;
    await second.ok({ action: 'joinRoom', roomId: room.id });
    await first.ok({ action: 'listRooms' });
    await first.ok({ action: 'setTopic', roomId: room.id, topic: 'Release planning' });
    await first.ok({ action: 'renameRoom', roomId: room.id, name: uniqueName('room') });
    const hidden = (await first.ok({ action: 'createRoom', name: uniqueName('room'), visibility: 'private' })).room;
    await first.ok({ action: 'setRoomVisibility', roomId: hidden.id, visibility: 'public' });
    const link = await first.ok({ action: 'createInvite', roomId: hidden.id });
    await first.ok({ action: 'invites', roomId: hidden.id });
    await second.ok({ action: 'redeemInvite', token: link.token });
    await second.ok({ action: 'leaveRoom', roomId: hidden.id });
    await first.ok({ action: 'inviteMember', roomId: hidden.id, username: guest.user.username });
    await first.ok({ action: 'revokeInvite', inviteId: link.invite.id });
    await first.ok({ action: 'members', roomId: room.id });
    // Moderation: an admin, a read-only switch, a removal with a ban (and the ban lifted), the audit log,
    // a deactivation.
    const spammerAccount = await account('/api/register');
    const spammer = await connect(spammerAccount);
    await spammer.ok({ action: 'joinRoom', roomId: room.id });
    const spammerId = (await spammer.ok({ action: 'hello' })).user.id;
    await first.ok({ action: 'setMemberRole', roomId: room.id, userId: guest.user.id, role: 'admin' });
    await second.ok({ action: 'setReadOnly', roomId: room.id, readOnly: true });
    await second.ok({ action: 'setReadOnly', roomId: room.id, readOnly: false });
    const spam = await spammer.ok({
      action: 'sendMessage',
      roomId: room.id,
      text: 'spam',
      clientMessageId: randomUUID(),
    });
    await second.ok({ action: 'deleteMessage', messageId: spam.message.id });
    await second.ok({ action: 'removeMember', roomId: room.id, userId: spammerId, ban: true });
    assert.equal((await spammer.request({ action: 'joinRoom', roomId: room.id })).code, 'BANNED_FROM_ROOM');
    assert.deepEqual(
      (await second.ok({ action: 'bans', roomId: room.id })).bans.map(({ user }: { user: { id: string } }) => user.id),
      [spammerId],
    );
    await second.ok({ action: 'unban', roomId: room.id, userId: spammerId });
    // Banned again (by name) while not a member, then let back in by being added, then banned as a member.
    await second.ok({ action: 'ban', roomId: room.id, username: spammerAccount.user.username });
    await second.ok({ action: 'inviteMember', roomId: room.id, username: spammerAccount.user.username });
    assert.equal((await second.ok({ action: 'ban', roomId: room.id, userId: spammerId })).removed, true);
    await first.ok({ action: 'auditLog', roomId: room.id });
    const admin = await connect(await account('/api/register', SERVER_ADMIN));
    await admin.ok({ action: 'deactivateUser', userId: spammerId });
    await admin.close();
    // A password change ends every session of the account and closes its connection.
    const changing = await account('/api/register');
    const changer = await connect(changing);
    const passwords = { currentPassword: PASSWORD, newPassword: 'another password' };
    const changed = await post('/api/password', passwords, changing.token);
    assert.equal(changed.statusCode, 200, changed.body);
    await changer.closed();
    await first.ok({ action: 'openDirect', userId: guest.user.id });
    const group = (await first.ok({ action: 'openGroup', userIds: [guest.user.id, third.user.id] })).room;
    // Found by the searches below: a group's result is named by its members.
    await second.ok({ action: 'sendMessage', roomId: group.id, text: 'hello all', clientMessageId: randomUUID() });
    await first.ok({ action: 'findUsers', query: third.user.username });
    const sent = await first.ok({
      action: 'sendMessage',
      roomId: room.id,
      text: 'hello',
      clientMessageId: randomUUID(),
    });
    await first.ok({ action: 'editMessage', messageId: sent.message.id, text: 'hello again' });
    await second.ok({ action: 'addReaction', messageId: sent.message.id, emoji: '👍' });
    await second.ok({ action: 'removeReaction', messageId: sent.message.id, emoji: '👍' });
    await second.ok({ action: 'pinMessage', messageId: sent.message.id });
    await first.ok({ action: 'pins', roomId: room.id });
    await second.ok({ action: 'unpinMessage', messageId: sent.message.id });
    // A file: its upload URL (signed by the HTTP API's function), the bytes put straight into the
    // bucket as a browser puts them, the send that attaches it and a retry of that send (which finds
    // it attached already), a download link; deleting the message deletes the file.
    const image = png(8, 8);
    const created = await post('/api/files', { roomId: room.id, type: 'image/png', size: image.length }, ada.token);
    assert.equal(created.statusCode, 201, created.body);
    const { id: fileId, upload } = JSON.parse(created.body) as {
      id: string;
      upload: { url: string; headers: Record<string, string> };
    };
    const uploaded = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: image });
    assert.equal(uploaded.status, 200, await uploaded.text());
    const withFile = {
      action: 'sendMessage',
      roomId: room.id,
      text: 'the plan',
      clientMessageId: randomUUID(),
      attachments: [{ id: fileId, name: 'plan.png', type: 'image/png' }],
    };
    const attached = (await first.ok(withFile)).message;
    assert.equal((await first.ok(withFile)).message.id, attached.id);
    const download = await call('GET', `/api/files/${attached.id}/${fileId}`, undefined, ada.token);
    assert.equal(download.statusCode, 200, download.body);
    await first.ok({ action: 'deleteMessage', messageId: attached.id });
    const reply = await second.ok({
      action: 'replyInThread',
      rootId: sent.message.id,
      // Naming someone: the reply resolves the name, and they follow the thread and hear so.
      text: `a reply for @${ada.user.username}`,
      clientMessageId: randomUUID(),
    });
    await first.ok({ action: 'thread', rootId: sent.message.id });
    await first.ok({ action: 'markThreadRead', rootId: sent.message.id, seq: reply.message.seq });
    await first.ok({ action: 'threads', roomId: room.id });
    await second.ok({ action: 'history', roomId: room.id });
    await second.ok({ action: 'catchUp', rooms: [{ roomId: room.id, lastSeq: 0 }] });
    await second.ok({ action: 'markRead', roomId: room.id, seq: sent.message.seq });
    await second.ok({ action: 'markUnread', roomId: room.id, seq: sent.message.seq });
    await second.ok({ action: 'setNotifications', roomId: room.id, level: 'all', muted: true });
    second.send({ action: 'typing', roomId: room.id });
    await second.sync();
    await first.ok({ action: 'online' });
    await first.ok({ action: 'ping', since: (await first.ok({ action: 'ping' })).since });
    // The table's stream so far, through the indexer, as its event source mapping delivers it.
    await stream.drain((records) => searchIndexer({ Records: records }, {}));
    await first.ok({ action: 'search', query: 'hello' });
    await first.ok({ action: 'search', query: 'hello', roomId: room.id });
    await first.ok({ action: 'deleteMessage', messageId: sent.message.id });
    await second.ok({ action: 'leaveRoom', roomId: room.id });
    await first.request({ action: 'noSuchAction' });
    await first.close();
    await second.sync();
    await second.close();
    // $disconnect runs after the close handshake: wait until all five (the closed ones too) have finished.
    const deadline = Date.now() + 60_000;
    while ((invoked.get('$disconnect') !== 5 || inFlight > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(inFlight, 0, 'every invocation finished');

    assert.deepEqual([...invoked.keys()].sort(), Object.keys(functionAccess).sort(), 'every function ran');
    const report: string[] = [];
    const usage = (name: ChatFunctionName) =>
      observed.get(name) ?? { table: new Set<TableAction>(), indexes: false, posts: 0, closes: 0, files: new Map() };
    for (const name of Object.keys(functionAccess) as ChatFunctionName[]) {
      const used = usage(name);
      report.push(
        `${name}: ${[...used.table].sort().join(' ')}${used.indexes ? ' +indexes' : ''}${used.posts ? ` +${used.posts} posts` : ''}${used.closes ? ` +${used.closes} closes` : ''}${[...used.files].map(([prefix, actions]) => ` ${prefix}/: ${[...actions].sort().join(' ')}`).join('')}`,
      );
    }
    t.diagnostic(report.join('\n'));
    for (const [name, grant] of Object.entries(functionAccess) as Array<
      [ChatFunctionName, (typeof functionAccess)[ChatFunctionName]]
    >) {
      const used = usage(name);
      for (const action of used.table) assert.ok(grant.table.includes(action), `${name} uses ${action}`);
      if (used.indexes) assert.ok(grant.indexes, `${name} queries an index`);
      if (used.posts > 0) assert.ok(grant.postToConnections, `${name} posts to connections`);
      assert.equal(grant.closeConnections, used.closes > 0, `${name} closes connections: granted exactly when it does`);
      const fileGrants = Object.entries(grant.files ?? {}).map(([prefix, actions]) => [prefix, [...actions].sort()]);
      const fileUses = [...used.files].map(([prefix, actions]) => [prefix, [...actions].sort()]);
      assert.deepEqual(
        Object.fromEntries(fileUses),
        Object.fromEntries(fileGrants),
        `${name} is granted exactly the file actions it uses`,
      );
      // Nothing granted beyond what it did, and what a 410 makes a posting function do.
      const possible = new Set([...used.table, ...(grant.postToConnections ? forgetConnection : [])]);
      for (const action of grant.table) assert.ok(possible.has(action), `${name} is granted ${action} it never uses`);
      if (grant.indexes) assert.ok(used.indexes, `${name} is granted the indexes it never queries`);
    }
  });
});
