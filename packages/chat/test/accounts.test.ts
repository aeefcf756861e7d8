import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { OWASP_SCRYPT_COST, PasswordHasher } from '../src/accounts/password.ts';
import { resolveTokenSecret, SECRET_FILE } from '../src/accounts/secret.ts';
import { TokenService, verifyToken } from '../src/accounts/tokens.ts';
import { avatarFor, identiconDataUrl } from '../src/domain/avatar.ts';
import { snippetFromMarked } from '../src/store/snippet.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-accounts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('passwords', () => {
  it('hash at OWASP’s scrypt cost with a per-user salt, and verify only the right password', async () => {
    const hasher = new PasswordHasher();
    assert.deepEqual(hasher.cost, { N: 2 ** 17, r: 8, p: 1 });
    const [one, two] = await Promise.all([hasher.hash('correct horse'), hasher.hash('correct horse')]);
    assert.match(one, /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.notEqual(one, two);
    assert.deepEqual(await hasher.verify('correct horse', one), { valid: true, rehash: false });
    assert.deepEqual(await hasher.verify('correct horsE', one), { valid: false, rehash: false });
    assert.deepEqual(await hasher.verify('correct horse', 'plain-text'), { valid: false, rehash: false });
  });

  it('verify hashes of an older cost and ask for a rehash only when the password is right', async () => {
    const legacy = await new PasswordHasher({ N: 2 ** 15, r: 8, p: 1 }).hash('correct horse');
    assert.match(legacy, /^scrypt\$32768\$8\$1\$/);
    const current = new PasswordHasher(OWASP_SCRYPT_COST);
    assert.deepEqual(await current.verify('correct horse', legacy), { valid: true, rehash: true });
    assert.deepEqual(await current.verify('wrong horse', legacy), { valid: false, rehash: false });
  });

  it('refuse unusable costs, in settings and in stored hashes', async () => {
    assert.throws(() => new PasswordHasher({ N: 1000, r: 8, p: 1 }), TypeError);
    assert.throws(() => new PasswordHasher({ N: 2 ** 14, r: 0, p: 1 }), TypeError);
    // A stored hash claiming a huge cost is refused rather than run.
    const forged = `scrypt$${2 ** 30}$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`;
    assert.deepEqual(await new PasswordHasher().verify('x', forged), { valid: false, rehash: false });
  });
});

describe('token secret', () => {
  it('is generated once, kept private in the data directory, and reused', async () => {
    const dataDir = join(dir, 'data');
    const [first, second] = await Promise.all([resolveTokenSecret({ dataDir }), resolveTokenSecret({ dataDir })]);
    assert.deepEqual(first, second);
    assert.deepEqual(await resolveTokenSecret({ dataDir }), first);
    assert.equal(first.byteLength >= 64, true);
    assert.equal(statSync(join(dataDir, SECRET_FILE)).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dataDir, SECRET_FILE), 'utf8'), new TextDecoder().decode(first));
  });

  it('uses a configured secret and refuses a short one', async () => {
    const secret = 'x'.repeat(32);
    assert.deepEqual(
      await resolveTokenSecret({ secret, dataDir: join(dir, 'unused') }),
      new TextEncoder().encode(secret),
    );
    await assert.rejects(resolveTokenSecret({ secret: 'short' }), TypeError);
  });
});

describe('tokens', () => {
  const secret = randomBytes(32);
  const user = { id: 'u-1', username: 'ada', guest: false, createdAt: 0 };

  it('round-trip the claims through verifyToken', async () => {
    const now = Date.now();
    const { token, expiresAt } = await new TokenService({ secret, ttlSeconds: 60 }).issue(user, 's-1', now);
    assert.deepEqual(await verifyToken(token, secret), {
      userId: 'u-1',
      username: 'ada',
      guest: false,
      sessionId: 's-1',
      expiresAt,
    });
    assert.equal(expiresAt, (Math.floor(now / 1000) + 60) * 1000);
  });

  it('refuse a token signed with another algorithm', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'u-1', name: 'ada', iss: 'switchboard-chat', exp: Math.floor(Date.now() / 1000) + 60 }),
    ).toString('base64url');
    await assert.rejects(verifyToken(`${header}.${payload}.`, secret), { code: 'UNAUTHENTICATED' });
  });

  it('refuse a token without a session (issued before sessions existed)', async () => {
    const legacy = await new SignJWT({ name: 'ada', guest: false })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('u-1')
      .setIssuer('switchboard-chat')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
      .sign(secret);
    await assert.rejects(verifyToken(legacy, secret), { code: 'UNAUTHENTICATED' });
  });

  it('refuse a secret shorter than 32 bytes', () => {
    assert.throws(() => new TokenService({ secret: randomBytes(16) }), TypeError);
  });
});

describe('avatars', () => {
  it('are deterministic colours and initials', () => {
    assert.deepEqual(avatarFor('grace.hopper'), avatarFor('grace.hopper'));
    assert.equal(avatarFor('grace.hopper').initials, 'GH');
    assert.equal(avatarFor('ada').initials, 'A');
    assert.equal(avatarFor('guest-witty-otter-417').initials, 'WO');
    assert.match(avatarFor('ada').color, /^#[0-9a-f]{6}$/);
  });

  it('make identicons as SVG data URLs with no external reference', () => {
    const url = identiconDataUrl('ada');
    assert.equal(url, identiconDataUrl('ada'));
    assert.notEqual(url, identiconDataUrl('grace'));
    const svg = decodeURIComponent(url.slice('data:image/svg+xml,'.length));
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.doesNotMatch(svg, /href|script|url\(/);
  });
});

describe('snippets', () => {
  it('turn marked matches into text and ranges', () => {
    assert.deepEqual(snippetFromMarked('…say \u0002hello\u0003 to \u0002<b>\u0003'), {
      text: '…say hello to <b>',
      highlights: [
        [5, 10],
        [14, 17],
      ],
    });
    assert.deepEqual(snippetFromMarked('\u0002a\u0003\u0002b\u0003 c'), { text: 'ab c', highlights: [[0, 2]] });
  });
});
