/**
 * Which deployment the settings select (src/config.ts), and the refusals that
 * name the setting at fault, before anything starts.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { readChatConfig } from '../../src/config.ts';
import { redactUrl } from '../../src/redact-url.ts';
import { ChatServerError, ChatServerErrorCode } from '../../src/server-error.ts';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
const cluster = {
  DATABASE_URL: 'postgres://chat:pw@db:5432/chat',
  REDIS_URL: 'redis://redis:6379',
  CHAT_TOKEN_SECRET: SECRET,
};

/** Asserts `readChatConfig` refuses with CHAT_SERVER_CONFIG and a message matching `pattern`. */
function assertRefused(env: Record<string, string>, pattern: RegExp, flags = {}): void {
  assert.throws(
    () => readChatConfig(flags, env, '/srv'),
    (error: unknown) => {
      assert.ok(error instanceof ChatServerError);
      assert.equal(error.code, ChatServerErrorCode.config);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('readChatConfig', () => {
  it('selects the embedded chat when nothing is set: SQLite in ./data, one process', () => {
    assert.deepEqual(readChatConfig({}, {}, '/srv'), {
      workers: 1,
      server: { port: 8080, host: '127.0.0.1', managementPort: 8081, dataDir: resolve('/srv', 'data') },
    });
  });

  it('reads trusted proxies and rate limits, and refuses bad ones naming the variable', () => {
    const { server } = readChatConfig(
      {},
      { TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1', CHAT_RATE_LIMITS: '{"message":{"capacity":60}}' },
      '/srv',
    );
    assert.deepEqual(server.trustedProxies, ['10.0.0.0/8', '127.0.0.1']);
    assert.deepEqual(server.rateLimits, { message: { capacity: 60 } });
    assertRefused({ TRUSTED_PROXIES: '10.0.0.0/8,proxy.internal' }, /^TRUSTED_PROXIES: .*"proxy\.internal"/);
    assertRefused({ CHAT_RATE_LIMITS: '{"message":{"capacity":-1}}' }, /^CHAT_RATE_LIMITS: .*message\.capacity/);
    assertRefused({ CHAT_RATE_LIMITS: 'fast' }, /^CHAT_RATE_LIMITS is not JSON/);
  });

  it('reads the largest room that hears presence', () => {
    assert.equal(
      readChatConfig({}, { CHAT_PRESENCE_MAX_ROOM_MEMBERS: '40' }, '/srv').server.presenceMaxRoomMembers,
      40,
    );
    assert.equal(readChatConfig({}, { CHAT_PRESENCE_MAX_ROOM_MEMBERS: '0' }, '/srv').server.presenceMaxRoomMembers, 0);
    assert.equal(readChatConfig({}, {}, '/srv').server.presenceMaxRoomMembers, undefined);
    assertRefused({ CHAT_PRESENCE_MAX_ROOM_MEMBERS: '-1' }, /CHAT_PRESENCE_MAX_ROOM_MEMBERS/);
    assertRefused({ CHAT_PRESENCE_MAX_ROOM_MEMBERS: 'many' }, /CHAT_PRESENCE_MAX_ROOM_MEMBERS/);
  });

  it('reads the database statement timeout, the guest idle time and the heartbeat', () => {
    const { server } = readChatConfig(
      {},
      {
        DATABASE_URL: cluster.DATABASE_URL,
        DATABASE_QUERY_TIMEOUT_MS: '1500',
        CHAT_GUEST_IDLE_HOURS: '48',
        CHAT_HEARTBEAT_SECONDS: '40',
      },
      '/srv',
    );
    assert.deepEqual(server.database, { url: cluster.DATABASE_URL, queryTimeoutMs: 1500 });
    assert.equal(server.guestIdleMs, 48 * 3_600_000);
    assert.equal(server.heartbeatIntervalMs, 40_000);
    assertRefused({ CHAT_HEARTBEAT_SECONDS: '601' }, /CHAT_HEARTBEAT_SECONDS/);
    assertRefused({ DATABASE_QUERY_TIMEOUT_MS: '1500' }, /DATABASE_QUERY_TIMEOUT_MS is set but DATABASE_URL is not/);
    assertRefused({ DATABASE_URL: cluster.DATABASE_URL, DATABASE_QUERY_TIMEOUT_MS: '5' }, /DATABASE_QUERY_TIMEOUT_MS/);
    assertRefused({ CHAT_GUEST_IDLE_HOURS: '0' }, /CHAT_GUEST_IDLE_HOURS/);
  });

  it('selects PostgreSQL with DATABASE_URL, and a cluster node with REDIS_URL too', () => {
    assert.deepEqual(
      readChatConfig({}, { DATABASE_URL: cluster.DATABASE_URL, DATABASE_SCHEMA: 'chat' }, '/srv').server.database,
      {
        url: cluster.DATABASE_URL,
        schema: 'chat',
      },
    );
    const node = readChatConfig(
      { workers: '2', port: '9000' },
      { ...cluster, NODE_ID: 'eu-1', HOST: '0.0.0.0' },
      '/srv',
    );
    assert.equal(node.workers, 2);
    assert.deepEqual(node.server, {
      port: 9000,
      host: '0.0.0.0',
      managementPort: 8081,
      dataDir: resolve('/srv', 'data'),
      tokenSecret: SECRET,
      database: { url: cluster.DATABASE_URL },
      cluster: { redisUrl: cluster.REDIS_URL, nodeId: 'eu-1' },
    });
  });

  it('selects DynamoDB with DYNAMODB_TABLE, a cluster node on it with REDIS_URL, and token keys from Secrets Manager', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:chat-token-AbCdEf';
    assert.deepEqual(readChatConfig({}, { DYNAMODB_TABLE: 'chat-table' }, '/srv').server.dynamodb, {
      tableName: 'chat-table',
    });
    const node = readChatConfig(
      {},
      {
        DYNAMODB_TABLE: 'chat-table',
        REDIS_URL: 'rediss://master.chat.cache.amazonaws.com:6379',
        REDIS_PASSWORD: 'p@ss/word',
        REDIS_KEY_PREFIX: 'chat-prod',
        CHAT_TOKEN_SECRET_ARN: arn,
      },
      '/srv',
    ).server;
    assert.equal(node.tokenSecretArn, arn);
    assert.equal(node.tokenSecret, undefined);
    assert.deepEqual(node.cluster, {
      redisUrl: 'rediss://:p%40ss%2Fword@master.chat.cache.amazonaws.com:6379',
      keyPrefix: 'chat-prod',
    });
    assertRefused({ DYNAMODB_TABLE: 'chat', DATABASE_URL: cluster.DATABASE_URL }, /both set: choose one database/);
    assertRefused({ DYNAMODB_TABLE: 'x' }, /DYNAMODB_TABLE must be 3 to 255 characters/);
    assertRefused({ CHAT_TOKEN_SECRET: SECRET, CHAT_TOKEN_SECRET_ARN: arn }, /both set: choose one source/);
    assertRefused(
      { CHAT_TOKEN_SECRET_ARN: 'chat-token' },
      /CHAT_TOKEN_SECRET_ARN must be a Secrets Manager secret ARN/,
    );
    assertRefused({ REDIS_PASSWORD: 'x' }, /REDIS_PASSWORD is set but REDIS_URL is not/);
    assert.equal(
      readChatConfig({}, { DATABASE_URL: 'postgres://chat@db:5432/chat?sslmode=verify-full', DATABASE_PASSWORD: 'a b' })
        .server.database?.url,
      'postgres://chat:a%20b@db:5432/chat?sslmode=verify-full',
    );
    assertRefused({ DATABASE_PASSWORD: 'x' }, /DATABASE_PASSWORD is set but DATABASE_URL is not/);
    assertRefused({ ...cluster, REDIS_KEY_PREFIX: 'a b' }, /REDIS_KEY_PREFIX must be/);
  });

  it('takes the management port from --management-port or MANAGEMENT_PORT; 0 with port 0', () => {
    assert.equal(
      readChatConfig({ 'management-port': '9001' }, { MANAGEMENT_PORT: '9002' }).server.managementPort,
      9001,
    );
    assert.equal(readChatConfig({}, { MANAGEMENT_PORT: '9002' }).server.managementPort, 9002);
    assert.equal(readChatConfig({ port: '0' }, {}).server.managementPort, 0);
    assertRefused({ MANAGEMENT_PORT: 'admin' }, /the management port must be a number from 0 to 65535/);
  });

  it('prefers flags to environment variables, and takes WORKERS from the environment', () => {
    const config = readChatConfig(
      { port: '1', host: 'h', 'data-dir': 'd' },
      { ...cluster, PORT: '2', HOST: 'x', DATA_DIR: 'y', WORKERS: '3' },
      '/srv',
    );
    assert.deepEqual(
      [config.server.port, config.server.host, config.server.dataDir, config.workers],
      [1, 'h', resolve('/srv', 'd'), 3],
    );
  });

  it('refuses malformed URLs, naming the variable and hiding the password', () => {
    assertRefused({ ...cluster, REDIS_URL: 'http://redis:6379' }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    assertRefused({ ...cluster, REDIS_URL: 'redis' }, /^REDIS_URL is not a URL/);
    assertRefused(
      { DATABASE_URL: 'mysql://root:hunter2@db/chat' },
      /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
    assert.throws(
      () => readChatConfig({}, { DATABASE_URL: 'mysql://root:hunter2@db/chat' }),
      (error: Error) => !error.message.includes('hunter2'),
    );
  });

  it('refuses a cluster without a shared database or token secret', () => {
    assertRefused(
      { REDIS_URL: cluster.REDIS_URL, CHAT_TOKEN_SECRET: SECRET },
      /REDIS_URL is set but DATABASE_URL is not \(nor DYNAMODB_TABLE\)/,
    );
    assertRefused({ REDIS_URL: cluster.REDIS_URL, DATABASE_URL: cluster.DATABASE_URL }, /CHAT_TOKEN_SECRET/);
    assertRefused({ ...cluster, CHAT_TOKEN_SECRET: 'short' }, /CHAT_TOKEN_SECRET must be at least 32 characters/);
  });

  it('refuses more than one worker outside a cluster, naming what is missing', () => {
    assertRefused({}, /--workers 2 needs DATABASE_URL \(or DYNAMODB_TABLE\) and REDIS_URL/, { workers: '2' });
    assertRefused({ DATABASE_URL: cluster.DATABASE_URL, WORKERS: '4' }, /--workers 4 needs REDIS_URL:/);
    assertRefused({ DYNAMODB_TABLE: 'chat', WORKERS: '4' }, /--workers 4 needs REDIS_URL:/);
    assertRefused({}, /the number of workers must be a number from 1 to 1024 \(--workers or WORKERS\)/, {
      workers: '0',
    });
  });

  it('refuses settings that only make sense with another one', () => {
    assertRefused({ DATABASE_SCHEMA: 'chat' }, /DATABASE_SCHEMA is set but DATABASE_URL is not/);
    assertRefused({ DATABASE_URL: cluster.DATABASE_URL, DATABASE_SCHEMA: 'Chat; DROP' }, /DATABASE_SCHEMA must be/);
    assertRefused({ NODE_ID: 'a' }, /NODE_ID is set but REDIS_URL is not/);
    assertRefused({ PORT: '70000' }, /the port must be a number from 0 to 65535/);
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    assert.equal(redactUrl('postgres://chat:hunter2@db:5432/chat'), 'postgres://chat:***@db:5432/chat');
    assert.equal(redactUrl('redis://redis:6379'), 'redis://redis:6379');
    assert.equal(redactUrl('not a url'), '(not a URL)');
  });
});
