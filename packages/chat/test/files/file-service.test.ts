/**
 * The file use cases with a clock the test moves: links and session tokens
 * stop working when they expire (the HTTP tests cannot wait minutes), and what
 * the content checks accept and refuse.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { PasswordHasher } from '../../src/accounts/password.ts';
import { TokenService } from '../../src/accounts/tokens.ts';
import { checkContent, defaultAllowedTypes, imageDimensions, safeFileName } from '../../src/domain/attachments.ts';
import { ChatService } from '../../src/domain/chat-service.ts';
import type { ChatError } from '../../src/domain/errors.ts';
import { defaultRateLimits, type RateLimitOverrides } from '../../src/domain/rate-limits.ts';
import { DirectoryFileStore } from '../../src/store/files/directory-file-store.ts';
import { MemoryRateLimitStore } from '../../src/store/memory/memory-rate-limit-store.ts';
import { SqliteChatStore } from '../../src/store/sqlite/sqlite-chat-store.ts';
import { ManualClock } from '../manual-clock.ts';
import { RecordingBroadcaster } from '../recording-broadcaster.ts';
import { cheapPasswordCost, relaxedRateLimits } from '../test-settings.ts';
import { htmlPage, png } from './sample-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'file-service-'));
const store = SqliteChatStore.open(join(dir, 'chat.db'));
const clock = new ManualClock(Date.now());
/** A service on the shared store, clock and files, with these rate limits (`{}`: the defaults). */
const serviceWith = (rateLimits: RateLimitOverrides) =>
  new ChatService({
    files: { store: new DirectoryFileStore(join(dir, 'files')), linkKey: randomBytes(32) },
    rateLimits,
    rateLimitStore: new MemoryRateLimitStore(),
    passwords: new PasswordHasher(cheapPasswordCost),
    tokens: new TokenService({ secret: randomBytes(32) }),
    store,
    clock,
    broadcaster: new RecordingBroadcaster(),
    logger: { warn() {} },
  });
const chat = serviceWith(relaxedRateLimits);
const client = { address: '192.0.2.1' };

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('FileService', () => {
  it('gives links that stop working when they expire, and sessions that do', async () => {
    const session = await chat.accounts.register(`ada${Date.now() % 100000}`, 'correct horse battery', client);
    const userId = session.user.id;
    const room = await chat.rooms.createRoom(userId, `files${Date.now() % 100000}`);
    const files = chat.files!;
    const image = png(10, 10);
    const { id, upload } = await files.createUpload(userId, { roomId: room.id, type: 'image/png', size: image.length });
    const grantOf = (url: string) => {
      const query = new URL(url, 'http://chat').searchParams;
      return {
        type: query.get('type')!,
        size: Number(query.get('size')),
        expiresAt: Number(query.get('expires')),
        signature: query.get('signature')!,
      };
    };
    const grant = grantOf(upload.url);
    const receive = (as: string, expiresAt = grant.expiresAt) =>
      files.receiveUpload(
        as,
        { roomId: room.id, fileId: id, declaredType: 'image/png', grant: { ...grant, expiresAt } },
        Readable.from([image]),
      );
    // The URL is this user's, as it was signed: not another's, not with another expiry.
    await assert.rejects(receive(randomUUID()), { code: 'FILE_NOT_FOUND' });
    await assert.rejects(receive(userId, grant.expiresAt + 60_000), { code: 'FILE_NOT_FOUND' });
    await receive(userId);
    const { message } = await chat.messages.sendMessage(userId, {
      roomId: room.id,
      text: '',
      clientMessageId: 'c1',
      attachments: [{ id, name: 'a.png', type: 'image/png' }],
    });

    // An upload URL expires as a link does.
    const late = await files.createUpload(userId, { roomId: room.id, type: 'text/plain', size: 2 });
    clock.advance(late.expiresAt - clock.now());
    const lateUpload = {
      roomId: room.id,
      fileId: late.id,
      declaredType: 'text/plain',
      grant: grantOf(late.upload.url),
    };
    await assert.rejects(files.receiveUpload(userId, lateUpload, Readable.from([Buffer.from('hi')])), {
      code: 'FILE_NOT_FOUND',
    });

    const link = await files.link(userId, message.id, id);
    const url = new URL(link.url, 'http://chat');
    const open = () =>
      files.open(message.id, id, Number(url.searchParams.get('expires')), url.searchParams.get('signature')!);
    const served = await open();
    served.body.destroy();
    assert.equal(served.size, image.length);

    clock.advance(link.expiresAt - clock.now());
    await assert.rejects(open(), { code: 'FILE_NOT_FOUND' });

    // The session token expires too: no new link then.
    clock.advance(session.expiresAt - clock.now());
    await assert.rejects(chat.accounts.authenticate(session.token), { code: 'UNAUTHENTICATED' });
  });
});

describe('the upload rate limit', () => {
  it('refuses uploads past the burst of the default limit, per user', async () => {
    const limited = serviceWith({});
    const session = await chat.accounts.register(`bo${Date.now() % 100000}`, 'correct horse battery', client);
    const room = await chat.rooms.createRoom(session.user.id, `burst${Date.now() % 100000}`);
    const ask = () => limited.files!.createUpload(session.user.id, { roomId: room.id, type: 'text/plain', size: 1 });
    for (let i = 0; i < defaultRateLimits.upload.capacity; i++) await ask();
    await assert.rejects(ask(), (error: ChatError) => error.code === 'RATE_LIMITED' && error.retryAfterMs! > 0);
  });

  it('counts no request refused for its size or type, and calls a size past the largest too large', async () => {
    const limited = serviceWith({});
    const session = await chat.accounts.register(`re${Date.now() % 100000}`, 'correct horse battery', client);
    const room = await chat.rooms.createRoom(session.user.id, `refused${Date.now() % 100000}`);
    const ask = (type: string, size: number) =>
      limited.files!.createUpload(session.user.id, { roomId: room.id, type, size });
    for (let i = 0; i < defaultRateLimits.upload.capacity; i++) {
      await assert.rejects(ask('text/html', 100), { code: 'FILE_TYPE_NOT_ALLOWED' });
      await assert.rejects(ask('text/plain', 11 * 1024 * 1024), { code: 'FILE_TOO_LARGE' });
      await assert.rejects(ask('text/plain', 0), { code: 'BAD_REQUEST' });
    }
    for (const size of [2 ** 53 + 2, 1e300]) await assert.rejects(ask('text/plain', size), { code: 'FILE_TOO_LARGE' });
    await assert.rejects(ask('text/plain', 1.5), { code: 'BAD_REQUEST' });
    // The whole burst is still there.
    for (let i = 0; i < defaultRateLimits.upload.capacity; i++) await ask('text/plain', 1);
    await assert.rejects(ask('text/plain', 1), { code: 'RATE_LIMITED' });
  });

  it('refuses what passes the upload volume, each size counted in MiB rounded up, per user', async () => {
    const MiB = 1024 * 1024;
    const limited = serviceWith({ uploadVolume: { capacity: 12, refillMs: 60_000 } });
    const [ada, bo] = await Promise.all(
      ['vol', 'ume'].map((name) =>
        chat.accounts.register(`${name}${Date.now() % 100000}`, 'correct horse battery', client),
      ),
    );
    const room = await chat.rooms.createRoom(ada!.user.id, `volume${Date.now() % 100000}`);
    await chat.rooms.joinRoom(bo!.user.id, room.id);
    const ask = (userId: string, size: number) =>
      limited.files!.createUpload(userId, { roomId: room.id, type: 'text/plain', size });
    await ask(ada!.user.id, 10 * MiB);
    await ask(ada!.user.id, MiB + 1);
    // Nothing left: even a byte waits for one MiB to come back, a minute.
    await assert.rejects(ask(ada!.user.id, 1), { code: 'RATE_LIMITED', retryAfterMs: 60_000 });
    // A refused upload costs nothing, whatever refused it.
    await assert.rejects(ask(ada!.user.id, 10 * MiB + 1), { code: 'FILE_TOO_LARGE' });
    clock.advance(60_000);
    await ask(ada!.user.id, 1);
    await assert.rejects(ask(ada!.user.id, 1), { code: 'RATE_LIMITED' });
    // Another member's volume is their own.
    await ask(bo!.user.id, 10 * MiB);
  });

  it('refuses at start a volume that cannot hold one file of the largest size', () => {
    assert.throws(() => serviceWith({ uploadVolume: { capacity: 9 } }), /uploadVolume\.capacity \(9 MiB\)/);
  });
});

describe('content checks', () => {
  it('accepts what the content agrees with, and keeps the type as declared', () => {
    assert.equal(checkContent('image/PNG; x=1', png(1, 1), defaultAllowedTypes), 'image/png');
    assert.equal(checkContent('text/plain', Buffer.from('hello\n'), defaultAllowedTypes), 'text/plain');
    assert.equal(checkContent('application/pdf', Buffer.from('%PDF-1.7\n'), defaultAllowedTypes), 'application/pdf');
  });

  it('refuses a type not allowed, and content that disagrees with its type', () => {
    const refused: Array<[string, Buffer]> = [
      ['image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')],
      ['image/png', htmlPage],
      ['image/jpeg', png(1, 1)],
      ['text/plain', png(1, 1)],
      ['text/plain', Buffer.from([0x68, 0x00, 0x69])],
      ['application/pdf', htmlPage],
    ];
    for (const [type, head] of refused) {
      assert.throws(() => checkContent(type, head, defaultAllowedTypes), { code: 'FILE_TYPE_NOT_ALLOWED' }, type);
    }
  });

  it('reads image sizes from PNG, GIF and JPEG headers', () => {
    assert.deepEqual(imageDimensions('image/png', png(640, 480)), { width: 640, height: 480 });
    const gif = Buffer.from('GIF89a\x20\x03\x58\x02', 'latin1');
    assert.deepEqual(imageDimensions('image/gif', gif), { width: 800, height: 600 });
    // SOI, an APP0 segment of 16 bytes, then SOF0 with height 300 and width 400.
    const jpeg = Buffer.from([
      0xff,
      0xd8,
      0xff,
      0xe0,
      0x00,
      0x10,
      ...Buffer.alloc(14),
      0xff,
      0xc0,
      0x00,
      0x11,
      0x08,
      0x01,
      0x2c,
      0x01,
      0x90,
    ]);
    assert.deepEqual(imageDimensions('image/jpeg', jpeg), { width: 400, height: 300 });
    assert.equal(imageDimensions('text/plain', Buffer.from('x')), undefined);
  });

  it('keeps only a safe file name', () => {
    assert.equal(safeFileName('../../etc/passwd'), 'passwd');
    assert.equal(safeFileName('C:\\Users\\ada\\plan.pdf'), 'plan.pdf');
    assert.equal(safeFileName('invoice\u202Efdp.exe'), 'invoicefdp.exe');
    assert.equal(safeFileName(' \u0000 '), 'file');
    assert.equal(safeFileName('..'), 'file');
    assert.equal([...safeFileName('x'.repeat(500))].length, 200);
    // A long name is cut before its extension, in code points.
    const long = safeFileName(`${'😀'.repeat(300)}.report.pdf`);
    assert.equal([...long].length, 200);
    assert.ok(long.endsWith('😀.pdf'), long);
    assert.equal(safeFileName(`${'x'.repeat(300)}.${'y'.repeat(40)}`), 'x'.repeat(200));
    assert.equal(safeFileName(`${'x'.repeat(300)}.`), 'x'.repeat(200));
  });
});
