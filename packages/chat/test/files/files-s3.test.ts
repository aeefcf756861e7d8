/**
 * The S3 file store with the real AWS SDK v3 against a local S3 server
 * (s3rver): presigned uploads and downloads, inspecting, moving and deleting;
 * then the chat on it, where bytes go straight between the client and S3 and
 * the chat checks them again before a message may carry them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Session } from '../../src/domain/types.ts';
import { type ChatServer, startChatServer } from '../../src/server.ts';
import { ChatServerErrorCode } from '../../src/server-error.ts';
import { S3FileStore } from '../../src/store/files/s3-file-store.ts';
import { ChatClient, type Frame, postJson, register, WAIT_MS } from '../chat-test-client.ts';
import { cheapPasswordCost, relaxedRateLimits } from '../test-settings.ts';
import { type LocalS3, startLocalS3 } from './local-s3.ts';
import { htmlPage, png } from './sample-files.ts';

const MAX_BYTES = 64 * 1024;

let s3: LocalS3;
before(async () => {
  s3 = await startLocalS3();
});
after(() => s3?.close());

async function put(url: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  const response = await fetch(url, { method: 'PUT', body, headers, signal: AbortSignal.timeout(WAIT_MS) });
  await response.arrayBuffer();
  return response.status;
}

describe('S3FileStore', () => {
  let store: S3FileStore;
  before(() => {
    store = new S3FileStore({ bucket: s3.bucket, client: s3.client });
  });
  after(() => store.destroy());

  it('takes a presigned upload, tells its size and first bytes, moves and serves it', async () => {
    const image = png(30, 20);
    const key = `uploads/room%3A1/u1/${randomUUID()}`;
    const target = await store.uploadTarget(key, { type: 'image/png', size: image.length, expiresInSeconds: 60 });
    assert.equal(target.method, 'PUT');
    const url = new URL(target.url);
    assert.match(url.searchParams.get('X-Amz-SignedHeaders') ?? '', /content-length/);
    assert.match(url.searchParams.get('X-Amz-SignedHeaders') ?? '', /content-type/);
    assert.equal(url.searchParams.get('X-Amz-Expires'), '60');
    // No checksum of a body the signer never saw (S3 would refuse the real one).
    assert.deepEqual(
      [...url.searchParams.keys()].filter((name) => /checksum/i.test(name)),
      [],
    );
    assert.equal(await put(target.url, image, target.headers), 200);

    const inspected = await store.inspect(key, 16);
    assert.equal(inspected?.size, image.length);
    assert.deepEqual(inspected?.head, image.subarray(0, 16));
    assert.equal((await store.inspect(key, 0))?.size, image.length);

    const moved = key.replace('uploads/', 'files/');
    await store.move(key, moved);
    assert.equal(await store.inspect(key, 16), undefined);
    const link = await store.downloadUrl(moved, {
      name: 'plan "final".png',
      type: 'image/png',
      attachment: false,
      expiresInSeconds: 120,
    });
    const response = await fetch(link, { signal: AbortSignal.timeout(WAIT_MS) });
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), image);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.match(response.headers.get('content-disposition') ?? '', /^inline; filename="plan _final_.png"/);

    const read = await store.read(moved);
    assert.equal(read?.size, image.length);
    await store.delete(moved);
    assert.equal(await store.inspect(moved, 16), undefined);
    assert.equal(await store.read(moved), undefined);
    // Deleting what is not there is not an error.
    await store.delete(moved);
  });

  it('writes through the chat too, refusing more than the limit', async () => {
    const key = `files/r/u/${randomUUID()}`;
    assert.equal(await store.write(key, Readable.from([Buffer.from('hello')]), 10), 5);
    assert.equal((await store.inspect(key, 100))?.head.toString(), 'hello');
    await assert.rejects(store.write(`files/r/u/${randomUUID()}`, Readable.from([Buffer.alloc(11)]), 10), {
      code: 'FILE_TOO_LARGE',
    });
  });
});

describe('the chat with files on S3', () => {
  let chat: ChatServer;
  let dataDir: string;
  let alice: Session;
  let bob: Session;
  let aliceWs: ChatClient;
  let roomId: string;
  let store: S3FileStore;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-files-s3-'));
    chat = await startChatServer({
      port: 0,
      dataDir,
      logger: false,
      rateLimits: relaxedRateLimits,
      passwordCost: cheapPasswordCost,
      files: { s3: { bucket: s3.bucket, client: s3.client }, limits: { maxBytes: MAX_BYTES } },
    });
    store = new S3FileStore({ bucket: s3.bucket, client: s3.client });
    [alice, bob] = await Promise.all([register(chat.url), register(chat.url)]);
    aliceWs = await ChatClient.connect(chat.webSocketUrl, alice.token);
    roomId = (await aliceWs.ok({ action: 'createRoom', name: `s3-${randomUUID().slice(0, 8)}` })).room.id;
    const bobWs = await ChatClient.connect(chat.webSocketUrl, bob.token);
    await bobWs.ok({ action: 'joinRoom', roomId });
    await bobWs.close();
  });

  after(async () => {
    await aliceWs?.close();
    await chat?.close();
    store?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const auth = (session: Session) => ({ authorization: `Bearer ${session.token}` });

  /** Asks for an upload and puts `bytes` to the presigned URL it names (no token: S3 is not the chat). */
  async function upload(type: string, size: number, bytes: Buffer): Promise<string> {
    const created = await postJson(`${chat.url}/api/files`, { roomId, type, size }, auth(alice));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const target = created.body.upload as Frame;
    assert.match(target.url, new RegExp(`^${s3.client.endpoint}/${s3.bucket}/uploads/`));
    assert.equal(await put(target.url, bytes, target.headers), 200);
    return created.body.id;
  }

  const send = (id: string, name: string, type: string) =>
    aliceWs.request({
      action: 'sendMessage',
      roomId,
      text: '',
      clientMessageId: randomUUID(),
      attachments: [{ id, name, type }],
    });

  it('lets its pages upload to the bucket and show its images, and nothing else beside their own origin', async () => {
    const response = await fetch(chat.url, { signal: AbortSignal.timeout(WAIT_MS) });
    await response.arrayBuffer();
    const directives = (response.headers.get('content-security-policy') ?? '').split('; ');
    const bucketOrigin = new URL(s3.client.endpoint as string).origin;
    assert.ok(directives.includes(`connect-src 'self' ws: wss: ${bucketOrigin}`), directives.join('\n'));
    assert.ok(directives.includes(`img-src 'self' data: blob: ${bucketOrigin}`), directives.join('\n'));
    assert.ok(directives.includes("default-src 'self'"));
  });

  it('refuses to start with a bucket it cannot sign a URL for, saying so', async () => {
    const noCredentials = async () => {
      throw new Error('no credentials here');
    };
    await assert.rejects(
      startChatServer({
        port: 0,
        dataDir: join(dataDir, 'unsigned'),
        logger: false,
        files: { s3: { bucket: s3.bucket, client: { ...s3.client, credentials: noCredentials } } },
      }),
      (error: Error & { code?: string }) =>
        error.code === ChatServerErrorCode.config &&
        /FILES_S3_BUCKET: no URL of the bucket could be signed \(no credentials here\)/.test(error.message),
    );
  });

  it('uploads and downloads by presigned URLs, and deleting the message deletes the object', async () => {
    const image = png(50, 40);
    const id = await upload('image/png', image.length, image);
    const ack = await send(id, 'chart.png', 'image/png');
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    assert.deepEqual(ack.message.attachments, [
      { id, name: 'chart.png', size: image.length, type: 'image/png', width: 50, height: 40 },
    ]);
    const key = `files/${encodeURIComponent(roomId)}/${encodeURIComponent(alice.user.id)}/${id}`;
    assert.equal((await store.inspect(key, 0))?.size, image.length, 'moved out of uploads/');

    const link = await fetch(`${chat.url}/api/files/${ack.message.id}/${id}`, { headers: auth(bob) });
    const { url } = (await link.json()) as { url: string };
    assert.ok(url.startsWith(`${s3.client.endpoint}/${s3.bucket}/files/`), url);
    const file = await fetch(url, { signal: AbortSignal.timeout(WAIT_MS) });
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), image);

    await aliceWs.ok({ action: 'deleteMessage', messageId: ack.message.id });
    assert.equal(await store.inspect(key, 0), undefined);
    const after = await fetch(`${chat.url}/api/files/${ack.message.id}/${id}`, { headers: auth(bob) });
    assert.equal(after.status, 404);
    assert.equal(((await after.json()) as Frame).code, 'FILE_NOT_FOUND');
  });

  it('checks what reached S3 before a message may carry it: type by content, and size', async () => {
    const fake = await upload('image/png', htmlPage.length, htmlPage);
    assert.equal((await send(fake, 'cat.png', 'image/png')).code, 'FILE_TYPE_NOT_ALLOWED');
    // More bytes than allowed (a local S3 does not hold the signed length; the chat does).
    const big = Buffer.alloc(MAX_BYTES + 1, 'a');
    const oversized = await upload('text/plain', 10, big);
    assert.equal((await send(oversized, 'big.txt', 'text/plain')).code, 'FILE_TOO_LARGE');
  });
});
