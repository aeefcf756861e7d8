/**
 * Client recovery against the real chat server (SQLite): the client's
 * connection runs through a relay that answers its first `catchUp` with an
 * `error` frame, as a server in trouble would. The client asks again with
 * backoff, receives what it missed, and goes on applying live events: every
 * message once, in order.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClientRequest, Message, RoomEvent } from '@switchboard/chat/api';
import WebSocket, { WebSocketServer } from 'ws';
import { type ChatServer, startChatServer } from '../../chat/src/server.ts';
import { ChatConnection, type WebSocketLike } from '../src/connection/chat-connection.ts';
import { register } from './accounts.ts';
import { burstText, roomIdByName, sendBurst } from './burst.ts';
import { withTimeout } from './scripted-server.ts';

/** Forwards WebSocket frames to the chat server both ways, except what the test tells it to answer itself. */
class Relay {
  readonly #wss: WebSocketServer;
  readonly #target: string;
  readonly #clients = new Set<WebSocket>();
  /** Catch-up requests answered with an error by the relay, and forwarded to the server. */
  readonly catchUps = { refused: 0, forwarded: 0 };
  refuseNextCatchUp = false;
  /** While true, new connections are closed at once (the server looks down). */
  down = false;

  private constructor(wss: WebSocketServer, target: string) {
    this.#wss = wss;
    this.#target = target;
    wss.on('connection', (client, request) => this.#relay(client, request.url ?? '/'));
  }

  static async start(target: string): Promise<Relay> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    return new Relay(wss, target);
  }

  url(token: string): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/ws?token=${encodeURIComponent(token)}`;
  }

  /** Drops every client connection (as a network change would). */
  dropClients(): void {
    for (const client of this.#clients) client.terminate();
  }

  close(): Promise<void> {
    this.dropClients();
    return new Promise((resolve) => this.#wss.close(() => resolve()));
  }

  #relay(client: WebSocket, path: string): void {
    if (this.down) {
      client.terminate();
      return;
    }
    this.#clients.add(client);
    const upstream = new WebSocket(`${this.#target}${path.slice(path.indexOf('?'))}`);
    const early: string[] = [];
    upstream.on('open', () => {
      for (const frame of early.splice(0)) upstream.send(frame);
    });
    upstream.on('message', (data) => client.send(String(data)));
    client.on('message', (data) => {
      const text = String(data);
      const frame = JSON.parse(text) as ClientRequest;
      if (frame.action === 'catchUp') {
        if (this.refuseNextCatchUp) {
          this.refuseNextCatchUp = false;
          this.catchUps.refused += 1;
          client.send(
            JSON.stringify({
              type: 'error',
              requestId: frame.requestId,
              action: 'catchUp',
              code: 'STORE_UNAVAILABLE',
              message: 'The server could not read the data. Try again.',
            }),
          );
          return;
        }
        this.catchUps.forwarded += 1;
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else early.push(text);
    });
    const closeBoth = () => {
      this.#clients.delete(client);
      client.terminate();
      upstream.terminate();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    upstream.on('error', closeBoth);
  }
}

describe('catch-up recovery against the real server', () => {
  let dataDir: string;
  let server: ChatServer;
  let relay: Relay;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chat-catch-up-'));
    server = await startChatServer({ port: 0, dataDir, logger: false });
    relay = await Relay.start(server.webSocketUrl);
  });

  after(async () => {
    await relay?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('asks again after a catch-up answered with an error, then applies the missed and the live messages once each', async () => {
    const ada = await register(server.url, 'ada');
    const grace = await register(server.url, 'grace');
    const general = await roomIdByName(server.webSocketUrl, grace.token, 'general');
    const received: Message[] = [];
    const connection = new ChatConnection({
      url: relay.url(ada.token),
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    connection.on('roomEvent', (event: RoomEvent) => {
      if (event.type === 'message') received.push(event.message);
    });
    try {
      const online = () =>
        new Promise<void>((resolve) => {
          const off = connection.on('welcome', () => {
            off();
            resolve();
          });
        });
      let welcomed = online();
      connection.connect();
      await withTimeout(welcomed, 'the first welcome');

      // Away while three messages are sent: only a catch-up can bring them.
      relay.down = true;
      relay.dropClients();
      const send = { webSocketUrl: server.webSocketUrl, token: grace.token, roomId: general, timeoutMs: 10_000 };
      await sendBurst({ ...send, count: 3, prefix: 'missed' });
      relay.refuseNextCatchUp = true;
      welcomed = online();
      relay.down = false;
      await withTimeout(welcomed, 'the welcome after the drop');

      const expected = [...[1, 2, 3].map((n) => burstText('missed', n)), burstText('live', 1)];
      await sendBurst({ ...send, count: 1, prefix: 'live' });
      await withTimeout(
        (async () => {
          while (received.length < expected.length) await new Promise((resolve) => setTimeout(resolve, 20));
        })(),
        'every message',
      );
      assert.deepEqual(relay.catchUps, { refused: 1, forwarded: 1 });
      assert.deepEqual(
        received.map((message) => message.text),
        expected,
      );
      const seqs = received.map((message) => message.seq);
      assert.deepEqual(
        seqs,
        seqs.map((_, index) => seqs[0]! + index),
      );
    } finally {
      connection.close();
    }
  });
});
