/**
 * Session-token keys from Secrets Manager, and their rotation: the rotation
 * function's four steps and the functions' key ring, through the real AWS SDK
 * against a local Secrets Manager (secrets-manager-local.ts). Tokens signed
 * before a rotation stay valid, new tokens use the new key once a function's
 * cache expires, a warm function accepts tokens signed with a key newer than its
 * cache, and forged key ids cannot flood Secrets Manager.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { TokenService } from '../src/accounts/tokens.ts';
import type { User } from '../src/domain/types.ts';
import type { RotationEvent } from '../src/lambda/rotation.ts';
import { SecretsManagerKeyRing } from '../src/lambda/token-key-ring.ts';
import { localCredentials } from './dynamodb-local.ts';
import { ManualClock } from './manual-clock.ts';
import { SecretsManagerLocal } from './secrets-manager-local.ts';

const user: User = { id: randomUUID(), username: 'ada', guest: false, createdAt: 0 };
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe('token secret rotation', () => {
  let local: SecretsManagerLocal;
  let client: SecretsManagerClient;
  let rotation: (event: RotationEvent, context: object) => Promise<void>;
  let secretVersions: typeof import('../src/accounts/secret-versions.ts').secretVersions;

  before(async () => {
    local = await SecretsManagerLocal.start();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: local.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    client = new SecretsManagerClient({});
    ({ handler: rotation } = await import('../src/lambda/rotation.ts'));
    ({ secretVersions } = await import('../src/accounts/secret-versions.ts'));
  });

  after(async () => {
    client?.destroy();
    await local?.close();
  });

  /** What Secrets Manager does on the rotation schedule: one pending version, four calls. */
  async function rotate(secretId: string): Promise<string> {
    const token = local.startRotation(secretId);
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await rotation({ SecretId: secretId, ClientRequestToken: token, Step }, {});
    }
    return token;
  }

  function ring(secretId: string, clock: ManualClock): SecretsManagerKeyRing {
    return new SecretsManagerKeyRing(secretVersions(client, secretId), { clock });
  }

  it('makes a new random key current and keeps the old one as AWSPREVIOUS; every step can be retried', async () => {
    const arn = local.create('rotate-steps', 'k'.repeat(64));
    const first = local.versionWith(arn, 'AWSCURRENT')!;
    const token = local.startRotation(arn);
    await rotation({ SecretId: arn, ClientRequestToken: token, Step: 'createSecret' }, {});
    const pending = await client.send(
      new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' }),
    );
    assert.equal(pending.SecretString?.length, 64);
    assert.notEqual(pending.SecretString, 'k'.repeat(64));
    // A retried createSecret keeps the value it made.
    await rotation({ SecretId: arn, ClientRequestToken: token, Step: 'createSecret' }, {});
    for (const Step of ['setSecret', 'testSecret', 'finishSecret', 'finishSecret'] as const) {
      await rotation({ SecretId: arn, ClientRequestToken: token, Step }, {});
    }
    assert.equal(local.versionWith(arn, 'AWSCURRENT'), token);
    assert.equal(local.versionWith(arn, 'AWSPREVIOUS'), first);
    assert.equal(local.versionWith(arn, 'AWSPENDING'), undefined);
    await assert.rejects(
      rotation({ SecretId: arn, ClientRequestToken: randomUUID(), Step: 'createSecret' }, {}),
      /has no stage to rotate/,
    );
  });

  it('keeps tokens valid across a rotation and signs with the new key once the cache expires', async () => {
    const arn = local.create('rotate-tokens', 'a'.repeat(64));
    const clock = new ManualClock();
    const tokens = new TokenService({ keys: ring(arn, clock) });
    const before = await tokens.issue(user, 'session', clock.now());
    assert.equal(kidOf(before.token), local.versionWith(arn, 'AWSCURRENT'));

    const rotated = await rotate(arn);
    // Warm: the cached key still signs, and the old token verifies.
    assert.equal(kidOf((await tokens.issue(user, 'session', clock.now())).token), kidOf(before.token));
    // A token another (fresh) function signed with the new key verifies here at once.
    const fresh = new TokenService({ keys: ring(arn, clock) });
    const after = await fresh.issue(user, 'session', clock.now());
    assert.equal(kidOf(after.token), rotated);
    assert.equal((await tokens.verify(after.token, clock.now())).userId, user.id);

    clock.advance(5 * 60_000);
    assert.equal(kidOf((await tokens.issue(user, 'session', clock.now())).token), rotated);
    assert.equal((await tokens.verify(before.token, clock.now())).userId, user.id, 'signed with AWSPREVIOUS');

    // A second rotation retires the first key.
    await rotate(arn);
    clock.advance(5 * 60_000);
    await assert.rejects(tokens.verify(before.token, clock.now()), { code: 'UNAUTHENTICATED' });
    assert.equal((await tokens.verify(after.token, clock.now())).userId, user.id);
  });

  it('reloads for an unknown key id at most once per retry interval, and refuses forged ids', async () => {
    const secret = 'f'.repeat(64);
    const arn = local.create('forged', secret);
    const clock = new ManualClock();
    const tokens = new TokenService({ keys: ring(arn, clock) });
    await tokens.issue(user, 'session', clock.now());
    const reads = () => local.calls.filter((call) => call === 'GetSecretValue').length;
    const before = reads();
    const key = new TextEncoder().encode(secret);
    for (let i = 0; i < 50; i++) {
      // Signed with the real key but naming a key that does not exist.
      const forged = await new SignJWT({ name: 'ada', guest: false })
        .setProtectedHeader({ alg: 'HS256', kid: randomUUID() })
        .setSubject(user.id)
        .setIssuer('switchboard-chat')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
      await assert.rejects(tokens.verify(forged, clock.now()), { code: 'UNAUTHENTICATED' });
    }
    // One reload (AWSCURRENT + AWSPREVIOUS) for fifty forged ids.
    assert.equal(reads() - before, 2);
  });

  it('builds the functions’ token service from TOKEN_SECRET_ARN', async () => {
    const arn = local.create('from-environment', 'e'.repeat(64));
    process.env.TOKEN_SECRET_ARN = arn;
    try {
      const { tokenService } = await import('../src/lambda/runtime/token-keys.ts');
      const tokens = await tokenService();
      const { token } = await tokens.issue(user, 'session', Date.now());
      assert.equal(kidOf(token), local.versionWith(arn, 'AWSCURRENT'));
      assert.equal((await tokens.verify(token)).userId, user.id);
    } finally {
      delete process.env.TOKEN_SECRET_ARN;
    }
  });
});
