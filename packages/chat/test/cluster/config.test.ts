/**
 * Which deployment the settings select (src/config.ts), and the refusals that
 * name the setting at fault, before anything starts.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { readChatConfig, redactUrl } from '../../src/config.ts';
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
      server: { port: 8080, host: '127.0.0.1', dataDir: resolve('/srv', 'data') },
    });
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
      dataDir: resolve('/srv', 'data'),
      tokenSecret: SECRET,
      database: { url: cluster.DATABASE_URL },
      cluster: { redisUrl: cluster.REDIS_URL, nodeId: 'eu-1' },
    });
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
      /REDIS_URL is set but DATABASE_URL is not/,
    );
    assertRefused({ REDIS_URL: cluster.REDIS_URL, DATABASE_URL: cluster.DATABASE_URL }, /CHAT_TOKEN_SECRET/);
    assertRefused({ ...cluster, CHAT_TOKEN_SECRET: 'short' }, /CHAT_TOKEN_SECRET must be at least 32 characters/);
  });

  it('refuses more than one worker outside a cluster, naming what is missing', () => {
    assertRefused({}, /--workers 2 needs DATABASE_URL and REDIS_URL/, { workers: '2' });
    assertRefused({ DATABASE_URL: cluster.DATABASE_URL, WORKERS: '4' }, /--workers 4 needs REDIS_URL:/);
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
