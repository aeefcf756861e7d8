/** The file settings of `npm start`: FILES_* environment variables to `startChatServer`'s `files`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readChatConfig } from '../../src/config.ts';

const read = (env: Record<string, string>) => readChatConfig({}, env, '/srv/chat').server.files;

describe('FILES_* settings', () => {
  it('keeps the default (the data directory on one node) when none is set', () => {
    assert.equal(read({}), undefined);
  });

  it('reads a directory, a bucket, limits, and turning files off', () => {
    assert.deepEqual(read({ FILES_DIR: 'shared/files' }), { dir: '/srv/chat/shared/files' });
    assert.deepEqual(read({ FILES_S3_BUCKET: 'chat-files' }), { s3: { bucket: 'chat-files' } });
    assert.deepEqual(read({ FILES_MAX_BYTES: '2097152', FILES_ALLOWED_TYPES: 'image/png, Application/PDF' }), {
      limits: { maxBytes: 2_097_152, allowedTypes: ['image/png', 'application/pdf'] },
    });
    assert.equal(read({ FILES_ENABLED: 'false' }), false);
    assert.deepEqual(read({ FILES_UPLOAD_EXPIRY_HOURS: '1.5' }), { unattachedUploadExpiryMs: 5_400_000 });
    assert.deepEqual(read({ FILES_MIN_FREE_MB: '512' }), { minFreeBytes: 536_870_912 });
    assert.deepEqual(read({ FILES_MIN_FREE_MB: '0' }), { minFreeBytes: 0 });
  });

  it('refuses settings that are wrong, naming them', () => {
    const refused: Array<[Record<string, string>, RegExp]> = [
      [{ FILES_DIR: '/a', FILES_S3_BUCKET: 'b' }, /FILES_DIR and FILES_S3_BUCKET/],
      [{ FILES_MAX_BYTES: '10MB' }, /FILES_MAX_BYTES/],
      [{ FILES_MAX_BYTES: '0' }, /FILES_MAX_BYTES/],
      [{ FILES_ALLOWED_TYPES: 'png' }, /FILES_ALLOWED_TYPES/],
      [{ FILES_ALLOWED_TYPES: 'image/png,image/svg+xml' }, /image\/svg\+xml cannot be allowed/],
      [{ FILES_ALLOWED_TYPES: 'text/html' }, /text\/html cannot be allowed/],
      [{ FILES_ENABLED: 'yes' }, /FILES_ENABLED/],
      [{ FILES_UPLOAD_EXPIRY_HOURS: '0' }, /FILES_UPLOAD_EXPIRY_HOURS/],
      [{ FILES_UPLOAD_EXPIRY_HOURS: 'a day' }, /FILES_UPLOAD_EXPIRY_HOURS/],
      [{ FILES_UPLOAD_EXPIRY_HOURS: '100000' }, /FILES_UPLOAD_EXPIRY_HOURS/],
      [{ FILES_MIN_FREE_MB: '-1' }, /FILES_MIN_FREE_MB/],
      [{ FILES_MIN_FREE_MB: 'plenty' }, /FILES_MIN_FREE_MB/],
    ];
    for (const [env, message] of refused) {
      assert.throws(() => read(env), { code: 'CHAT_SERVER_CONFIG', message }, JSON.stringify(env));
    }
  });
});
