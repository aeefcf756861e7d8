/**
 * File attachments end to end on a real chat server: real HTTP uploads and
 * downloads, real WebSocket clients, the server's file store on disk. Run on
 * SQLite (the data directory) and on PostgreSQL (the cluster's shared directory).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultFileLimits } from '../../src/domain/attachments.ts';
import type { Session } from '../../src/domain/types.ts';
import type { ChatServer } from '../../src/server.ts';
import { ChatClient, type Frame, postJson, register, WAIT_MS } from '../chat-test-client.ts';
import { htmlPage, png } from './sample-files.ts';

export interface FileSuiteServer {
  chat: ChatServer;
  /** The directory the server keeps files in. */
  filesDir: string;
  /** Another node of the same cluster: links are asked of and followed there. @default `chat.url` */
  otherUrl?: string;
  close(): Promise<void>;
}

/** The limit the suite's servers are started with (small, so an oversized upload is cheap). */
export const SUITE_MAX_BYTES = 64 * 1024;

export function runFileSuite(name: string, start: () => Promise<FileSuiteServer>): void {
  describe(`file attachments: ${name}`, () => {
    let server: FileSuiteServer;
    let url: string;
    let alice: Session;
    let bob: Session;
    let carol: Session;
    let aliceWs: ChatClient;
    let bobWs: ChatClient;
    let carolWs: ChatClient;
    /** A room of alice and bob; carol is not a member. */
    let roomId: string;

    before(async () => {
      server = await start();
      url = server.chat.url;
      [alice, bob, carol] = await Promise.all([register(url), register(url), register(url)]);
      [aliceWs, bobWs, carolWs] = await Promise.all([
        ChatClient.connect(server.chat.webSocketUrl, alice.token),
        ChatClient.connect(server.chat.webSocketUrl, bob.token),
        ChatClient.connect(server.chat.webSocketUrl, carol.token),
      ]);
      const created = await aliceWs.ok({ action: 'createRoom', name: `files-${randomUUID().slice(0, 8)}` });
      roomId = created.room.id;
      await bobWs.ok({ action: 'joinRoom', roomId });
    });

    after(async () => {
      await Promise.all([aliceWs, bobWs, carolWs].map((client) => client?.close()));
      await server?.close();
    });

    const auth = (session: Session): Record<string, string> => ({ authorization: `Bearer ${session.token}` });

    const createUpload = (session: Session, body: Record<string, unknown>) =>
      postJson(`${url}/api/files`, body, auth(session));

    async function put(target: string, bytes: Buffer, headers: Record<string, string>) {
      const response = await fetch(new URL(target, url), {
        method: 'PUT',
        headers,
        body: bytes,
        signal: AbortSignal.timeout(WAIT_MS),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Frame) : undefined };
    }

    /** Uploads `bytes` as `type` to `room` and resolves with the file's id. */
    async function upload(session: Session, room: string, type: string, bytes: Buffer): Promise<string> {
      const created = await createUpload(session, { roomId: room, type, size: bytes.length });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const { id, upload: target } = created.body;
      const sent = await put(target.url, bytes, { ...target.headers, ...auth(session) });
      assert.equal(sent.status, 204, JSON.stringify(sent.body));
      return id;
    }

    async function send(client: ChatClient, room: string, attachments: Frame[], text = '') {
      return client.request({ action: 'sendMessage', roomId: room, text, clientMessageId: randomUUID(), attachments });
    }

    async function getJson(path: string, session?: Session, headers: Record<string, string> = {}) {
      const response = await fetch(new URL(path, url), {
        headers: { ...(session && auth(session)), ...headers },
        signal: AbortSignal.timeout(WAIT_MS),
      });
      return { status: response.status, body: (await response.json()) as Frame };
    }

    function assertError(answer: { status: number; body?: Frame }, status: number, code: string): void {
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(answer.body?.code, code, JSON.stringify(answer.body));
      assert.equal(typeof answer.body?.message, 'string');
    }

    it('tells clients the files it takes in the welcome', async () => {
      const welcome = await aliceWs.ok({ action: 'hello' });
      assert.deepEqual(welcome.limits.files, {
        maxBytes: SUITE_MAX_BYTES,
        maxPerMessage: defaultFileLimits.maxPerMessage,
        allowedTypes: defaultFileLimits.allowedTypes,
      });
    });

    it('sends an image to the room: everyone gets its metadata, members fetch it inline', async () => {
      const image = png(64, 48);
      const id = await upload(alice, roomId, 'image/png', image);
      const ack = await send(aliceWs, roomId, [{ id, name: '../screens/Plan "v2".png', type: 'image/png' }], 'look');
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      const expected = { id, name: 'Plan "v2".png', size: image.length, type: 'image/png', width: 64, height: 48 };
      assert.deepEqual(ack.message.attachments, [expected]);
      const pushed = await bobWs.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id, 'the message');
      assert.deepEqual(pushed.message.attachments, [expected]);

      const serving = server.otherUrl ?? url;
      const link = await getJson(new URL(`/api/files/${ack.message.id}/${id}`, serving).href, bob);
      assert.equal(link.status, 200, JSON.stringify(link.body));
      assert.ok(link.body.expiresAt > Date.now());
      const file = await fetch(new URL(link.body.url, serving), { signal: AbortSignal.timeout(WAIT_MS) });
      assert.equal(file.status, 200);
      assert.deepEqual(Buffer.from(await file.arrayBuffer()), image);
      assert.equal(file.headers.get('content-type'), 'image/png');
      assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
      assert.match(file.headers.get('content-disposition') ?? '', /^inline; filename="Plan _v2_.png"/);
      assert.match(file.headers.get('content-security-policy') ?? '', /sandbox/);

      // The history and catch-up carry the attachment as the live frame did.
      const history = await bobWs.ok({ action: 'history', roomId, limit: 1 });
      assert.deepEqual(history.messages[0].attachments, [expected]);
      // Once attached, the file is no longer a pending upload.
      assert.ok(existsSync(join(server.filesDir, 'files')));
    });

    it('serves other files as downloads, never inline', async () => {
      const text = Buffer.from('meeting notes\n');
      const id = await upload(alice, roomId, 'text/plain', text);
      const ack = await send(aliceWs, roomId, [{ id, name: 'notes.txt', type: 'text/plain' }]);
      assert.equal(ack.type, 'ack', JSON.stringify(ack));
      assert.equal(ack.message.text, '');
      const link = await getJson(`/api/files/${ack.message.id}/${id}`, bob);
      const file = await fetch(new URL(link.body.url, url), { signal: AbortSignal.timeout(WAIT_MS) });
      assert.equal(await file.text(), 'meeting notes\n');
      assert.match(file.headers.get('content-disposition') ?? '', /^attachment; filename="notes.txt"/);
      assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
    });

    describe('refusals', () => {
      it('refuses an upload larger than the limit, announced or not', async () => {
        assertError(
          await createUpload(alice, { roomId, type: 'image/png', size: SUITE_MAX_BYTES + 1 }),
          413,
          'FILE_TOO_LARGE',
        );
        const created = await createUpload(alice, { roomId, type: 'text/plain', size: 10 });
        const { upload: target } = created.body;
        const big = Buffer.alloc(SUITE_MAX_BYTES + 1, 'a');
        assertError(await put(target.url, big, { ...target.headers, ...auth(alice) }), 413, 'FILE_TOO_LARGE');
        // More than announced, though within the limit: the URL allows what was announced.
        const more = Buffer.alloc(11, 'a');
        assertError(await put(target.url, more, { ...target.headers, ...auth(alice) }), 413, 'FILE_TOO_LARGE');
        // Nothing of it is kept, and it cannot be attached.
        const answer = await send(aliceWs, roomId, [{ id: created.body.id, name: 'big.txt', type: 'text/plain' }]);
        assert.equal(answer.code, 'FILE_NOT_FOUND', JSON.stringify(answer));
      });

      it('refuses types outside the allow-list, and content that is not what its type says', async () => {
        assertError(
          await createUpload(alice, { roomId, type: 'image/svg+xml', size: 100 }),
          415,
          'FILE_TYPE_NOT_ALLOWED',
        );
        assertError(await createUpload(alice, { roomId, type: 'text/html', size: 100 }), 415, 'FILE_TYPE_NOT_ALLOWED');
        // An HTML page declared as a PNG: its first bytes give it away.
        const created = await createUpload(alice, { roomId, type: 'image/png', size: htmlPage.length });
        const { upload: target } = created.body;
        assertError(
          await put(target.url, htmlPage, { ...target.headers, ...auth(alice) }),
          415,
          'FILE_TYPE_NOT_ALLOWED',
        );
        // A real PNG named as text when attached.
        const id = await upload(alice, roomId, 'image/png', png(2, 2));
        const answer = await send(aliceWs, roomId, [{ id, name: 'x.txt', type: 'text/plain' }]);
        assert.equal(answer.code, 'FILE_TYPE_NOT_ALLOWED', JSON.stringify(answer));
      });

      it('refuses an outsider: no upload to the room, no link, not even with the message id', async () => {
        assertError(await createUpload(carol, { roomId, type: 'image/png', size: 100 }), 403, 'NOT_A_MEMBER');
        // Nor put bytes with a member's upload URL (it is signed for that member), nor with none.
        const created = await createUpload(alice, { roomId, type: 'image/png', size: 100 });
        const target = created.body.upload;
        assertError(await put(target.url, png(4, 4), { ...target.headers, ...auth(carol) }), 404, 'FILE_NOT_FOUND');
        const bare = `/api/files/uploads/${encodeURIComponent(roomId)}/${created.body.id}`;
        assertError(await put(bare, png(4, 4), { ...target.headers, ...auth(alice) }), 404, 'FILE_NOT_FOUND');
        const id = await upload(alice, roomId, 'image/png', png(4, 4));
        const ack = await send(aliceWs, roomId, [{ id, name: 'secret.png', type: 'image/png' }]);
        assertError(await getJson(`/api/files/${ack.message.id}/${id}`, carol), 404, 'MESSAGE_NOT_FOUND');
        // A member cannot attach another member's upload: it is not theirs.
        const another = await upload(alice, roomId, 'image/png', png(4, 4));
        const stolen = await send(bobWs, roomId, [{ id: another, name: 'mine.png', type: 'image/png' }]);
        assert.equal(stolen.code, 'FILE_NOT_FOUND', JSON.stringify(stolen));
      });

      it('refuses a member who left the room', async () => {
        const id = await upload(alice, roomId, 'text/plain', Buffer.from('before you left'));
        const ack = await send(aliceWs, roomId, [{ id, name: 'a.txt', type: 'text/plain' }]);
        await bobWs.ok({ action: 'leaveRoom', roomId });
        try {
          assertError(await getJson(`/api/files/${ack.message.id}/${id}`, bob), 404, 'MESSAGE_NOT_FOUND');
        } finally {
          await bobWs.ok({ action: 'joinRoom', roomId });
        }
      });

      it('stops serving the files of a deleted message, links given before included', async () => {
        const id = await upload(alice, roomId, 'image/png', png(8, 8));
        const ack = await send(aliceWs, roomId, [{ id, name: 'oops.png', type: 'image/png' }]);
        const link = await getJson(`/api/files/${ack.message.id}/${id}`, bob);
        assert.equal(link.status, 200);
        await aliceWs.ok({ action: 'deleteMessage', messageId: ack.message.id });
        assertError(await getJson(`/api/files/${ack.message.id}/${id}`, bob), 404, 'FILE_NOT_FOUND');
        assertError(await getJson(link.body.url), 404, 'FILE_NOT_FOUND');
        // The bytes are gone too.
        const kept = readdirSync(join(server.filesDir, 'files'), { recursive: true }).map(String);
        assert.ok(!kept.some((path) => path.endsWith(id)), kept.join(', '));
      });

      it('refuses a missing, malformed or ended session, and a forged or altered link', async () => {
        const id = await upload(alice, roomId, 'image/png', png(3, 3));
        const ack = await send(aliceWs, roomId, [{ id, name: 'p.png', type: 'image/png' }]);
        const path = `/api/files/${ack.message.id}/${id}`;
        assertError(await getJson(path), 401, 'UNAUTHENTICATED');
        assertError(await getJson(path, undefined, { authorization: 'Bearer not-a-token' }), 401, 'UNAUTHENTICATED');
        assertError(
          await postJson(`${url}/api/files`, { roomId, type: 'image/png', size: 10 }),
          401,
          'UNAUTHENTICATED',
        );
        const signedOut = await register(url);
        await postJson(`${url}/api/logout`, {}, auth(signedOut));
        assertError(await getJson(path, signedOut), 401, 'UNAUTHENTICATED');

        const link = new URL((await getJson(path, bob)).body.url, url);
        const later = new URL(link);
        later.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 3_600_000));
        assertError(await getJson(later.pathname + later.search), 404, 'FILE_NOT_FOUND');
        const forged = new URL(link);
        forged.searchParams.set('signature', Buffer.alloc(32).toString('base64url'));
        assertError(await getJson(forged.pathname + forged.search), 404, 'FILE_NOT_FOUND');
        const expired = new URL(link);
        expired.searchParams.set('expires', String(Date.now() - 1000));
        assertError(await getJson(expired.pathname + expired.search), 404, 'FILE_NOT_FOUND');
      });

      it('refuses a file attached to another message, and takes it again for a repeat of the same send', async () => {
        const id = await upload(alice, roomId, 'text/plain', Buffer.from('one file, one message'));
        const attachments = [{ id, name: 'once.txt', type: 'text/plain' }];
        const sendAs = (clientMessageId: string) =>
          aliceWs.request({ action: 'sendMessage', roomId, text: '', clientMessageId, attachments });
        const first = await sendAs('attach-once');
        assert.equal(first.type, 'ack', JSON.stringify(first));
        const repeat = await sendAs('attach-once');
        assert.deepEqual([repeat.type, repeat.duplicate, repeat.message.id], ['ack', true, first.message.id]);
        const second = await sendAs('attach-twice');
        assert.equal(second.code, 'FILE_NOT_FOUND', JSON.stringify(second));
        assert.match(second.message, /attached to another message/);
        // Deleting the message that holds it would otherwise take the file from the second one too.
        const link = await getJson(`/api/files/${first.message.id}/${id}`, bob);
        assert.equal(link.status, 200, JSON.stringify(link.body));
      });

      it('refuses a send whose one file is attached elsewhere without taking its other files', async () => {
        const held = await upload(alice, roomId, 'text/plain', Buffer.from('held by another message'));
        const free = await upload(alice, roomId, 'text/plain', Buffer.from('still free'));
        const file = (id: string) => ({ id, name: 'f.txt', type: 'text/plain' });
        assert.equal((await send(aliceWs, roomId, [file(held)])).type, 'ack');
        const refused = await send(aliceWs, roomId, [file(free), file(held)]);
        assert.equal(refused.code, 'FILE_NOT_FOUND', JSON.stringify(refused));
        assert.match(refused.message, new RegExp(`${held} is attached to another message`));
        const resent = await send(aliceWs, roomId, [file(free)], 'without the other one');
        assert.equal(resent.type, 'ack', JSON.stringify(resent));
        assert.deepEqual(
          resent.message.attachments.map((attachment: Frame) => attachment.id),
          [free],
        );
      });

      it('gives an upload named by several sends at once to exactly one of them', async () => {
        const id = await upload(alice, roomId, 'text/plain', Buffer.from('raced for'));
        const attachments = [{ id, name: 'raced.txt', type: 'text/plain' }];
        const answers = await Promise.all(
          Array.from({ length: 6 }, (_, index) =>
            aliceWs.request({
              action: 'sendMessage',
              roomId,
              text: `try ${index}`,
              clientMessageId: randomUUID(),
              attachments,
            }),
          ),
        );
        const acked = answers.filter((answer) => answer.type === 'ack');
        assert.equal(acked.length, 1, JSON.stringify(answers));
        for (const answer of answers.filter((answer) => answer.type !== 'ack')) {
          assert.equal(answer.code, 'FILE_NOT_FOUND', JSON.stringify(answer));
        }
        // Deleting the message that holds it leaves no other message pointing at a deleted file.
        await aliceWs.ok({ action: 'deleteMessage', messageId: acked[0]!.message.id });
        const { messages } = await bobWs.ok({ action: 'history', roomId });
        assert.equal(
          messages.filter(
            (message: Frame) => message.deletedAt === null && message.attachments.some((a: Frame) => a.id === id),
          ).length,
          0,
        );
      });

      it('refuses more attachments than allowed, and a file id that is not one', async () => {
        const ids = [];
        for (let i = 0; i < 5; i++) ids.push(await upload(alice, roomId, 'text/plain', Buffer.from(`file ${i}`)));
        const many = await send(
          aliceWs,
          roomId,
          ids.map((id) => ({ id, name: 'f.txt', type: 'text/plain' })),
        );
        assert.equal(many.code, 'TOO_MANY_ATTACHMENTS', JSON.stringify(many));
        const bogus = await send(aliceWs, roomId, [{ id: '../../link-key', name: 'k', type: 'text/plain' }]);
        assert.equal(bogus.code, 'FILE_NOT_FOUND', JSON.stringify(bogus));
      });
    });
  });
}
