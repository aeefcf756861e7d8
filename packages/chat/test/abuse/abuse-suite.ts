/**
 * The chat against hostile clients, on every store: real `ws` clients and real
 * HTTP requests against a real deployment with the deployed rate limits
 * (`defaultRateLimits`), so what is measured is what a user of that deployment
 * gets. Each store's file (abuse-*.test.ts) starts its deployment:
 *
 * - SQLite: one self-hosted server, behind a trusted proxy (loopback);
 * - PostgreSQL: two cluster nodes (Redis, a fresh schema) behind the same proxy,
 *   requests alternating between them, so every limit is shown to hold across nodes;
 * - DynamoDB: the Lambda functions on the gateway against DynamoDB Local, the
 *   HTTP API's function called with API Gateway's events (the client address is
 *   the event's `sourceIp`).
 *
 * Limits run on the real clock: a bound on what a limit allowed is computed from
 * the time the test itself measured (`leastAllowed`, `mostAllowed`,
 * `mostAttempts`), never a wall-clock threshold. Each test uses fresh users (the
 * log-in tests share the account they attack) and fresh client networks, so no
 * test spends another's tokens. (rate-limits.test.ts pins the exact arithmetic
 * on a manual clock; message-text.test.ts the text rules as properties. The
 * other attacks of the same kind have their own suites on every store: answers
 * at the size limit in answer-size-suite.ts, the DynamoDB reads per send in
 * dynamodb-fan-out.test.ts, a database partition in cluster/database-outage.test.ts.)
 *
 * @example
 * runAbuseSuite('SQLite', async () => {
 *   const chat = await startChatServer({ port: 0, trustedProxies: TRUSTED_LOOPBACK, ... });
 *   return { nodes: [selfHostedNode(chat)], close: () => chat.close() };
 * });
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ChatErrorCode } from '../../src/domain/errors.ts';
import { ChatLimits } from '../../src/domain/limits.ts';
import { defaultRateLimits } from '../../src/domain/rate-limits.ts';
import type { Session } from '../../src/domain/types.ts';
import type { Backoff, TokenBucket } from '../../src/ports/rate-limit-store.ts';
import type { ChatServer } from '../../src/server.ts';
import { ChatClient, type Frame, PASSWORD, postJson, uniqueName, WAIT_MS } from '../chat-test-client.ts';

export interface HttpAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Frame;
}

/** One way into the deployment (a node of a cluster). */
export interface AbuseNode {
  /** `ws://…/ws`: add `?token=`. */
  webSocketUrl: string;
  /** POSTs JSON to an HTTP endpoint as a client at `address`. */
  post(path: `/api/${string}`, body: unknown, address: string): Promise<HttpAnswer>;
  /**
   * POSTs from a peer that is not a trusted proxy, with an `X-Forwarded-For` of
   * its own making. Absent where a client cannot name its address (API Gateway
   * sets `sourceIp` itself).
   */
  postAsUntrustedPeer?(path: `/api/${string}`, body: unknown, forwardedFor: string): Promise<HttpAnswer>;
}

export interface AbuseDeployment {
  /** Requests go to each in turn; several nodes must share every limit. */
  nodes: readonly AbuseNode[];
  close(): Promise<void>;
}

/** The proxy the self-hosted deployments sit behind: the test, on loopback. */
export const TRUSTED_LOOPBACK = ['127.0.0.1', '::1'];

/**
 * A self-hosted server's way in: plain HTTP through the trusted proxy, which
 * names the client in `X-Forwarded-For` (the address the per-address limits count).
 */
export function selfHostedNode(server: ChatServer): AbuseNode {
  return {
    webSocketUrl: server.webSocketUrl,
    async post(path, body, address) {
      const answer = await postJson(`${server.url}${path}`, body, { 'x-forwarded-for': address });
      return { status: answer.status, headers: Object.fromEntries(answer.headers), body: answer.body };
    },
    postAsUntrustedPeer: (path, body, forwardedFor) =>
      postFrom(UNTRUSTED_PEER, `${server.url}${path}`, body, { 'x-forwarded-for': forwardedFor }),
  };
}

/** A loopback address that is not in `TRUSTED_LOOPBACK` (all of 127.0.0.0/8 is this host). */
const UNTRUSTED_PEER = '127.0.0.2';

/** A JSON POST from the local address `from`. */
function postFrom(from: string, url: string, body: unknown, headers: Record<string, string>): Promise<HttpAnswer> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        localAddress: from,
        timeout: WAIT_MS,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const answer = Buffer.concat(chunks).toString();
          resolve({
            status: response.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, String(value)])),
            body: answer ? JSON.parse(answer) : undefined,
          });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`POST ${url} timed out`)));
    request.on('error', reject);
    request.end(text);
  });
}

/** The most calls a bucket, full at the start, can allow within `elapsedMs`. */
function mostAllowed(bucket: TokenBucket, elapsedMs: number): number {
  return bucket.capacity + Math.ceil(elapsedMs / bucket.refillMs);
}

/**
 * The fewest calls a bucket, full at the start, allows of a burst longer than
 * it within `elapsedMs`. Fewer than the capacity: each request reads its clock
 * before it reaches the shared state, so one that read its clock earlier can
 * arrive after one that read it later and find the bucket that much fuller.
 */
function leastAllowed(bucket: TokenBucket, elapsedMs: number): number {
  return bucket.capacity - Math.ceil(elapsedMs / bucket.refillMs);
}

/** Asserts that `allowed` calls of a burst longer than the bucket are what it allows within `elapsedMs`. */
function assertAllowed(allowed: number, bucket: TokenBucket, elapsedMs: number, what: string): void {
  const [least, most] = [leastAllowed(bucket, elapsedMs), mostAllowed(bucket, elapsedMs)];
  assert.ok(allowed >= least && allowed <= most, `${allowed} ${what} in ${elapsedMs} ms, not ${least} to ${most}`);
}

/** The most log-in attempts the backoff can allow within `elapsedMs`, from a fresh start. */
function mostAttempts(backoff: Backoff, elapsedMs: number): number {
  let allowed = backoff.freeAttempts;
  let waited = 0;
  for (let wait = backoff.baseDelayMs; waited + wait <= elapsedMs; wait = Math.min(backoff.maxDelayMs, wait * 2)) {
    waited += wait;
    allowed++;
  }
  return allowed;
}

let networks = 0;
/** A client on an IPv6 network no other request of the run uses (in the documentation prefix). */
const newAddress = (): string => `2001:db8:${(++networks).toString(16)}::1`;
/** `count` addresses of one /64, as one IPv6 client may use (a new one per request). */
const addressesOfOneNetwork = (count: number): string[] => {
  const network = `2001:db8:${(++networks).toString(16)}:0`;
  return Array.from({ length: count }, (_, i) => `${network}:${(i + 1).toString(16)}:${randomUUID().slice(0, 4)}::1`);
};

const isRateLimited = (frame: Frame): boolean => frame.type === 'error' && frame.code === 'RATE_LIMITED';

/** A `RATE_LIMITED` error frame of `action` with a wait of at most `mostMs`. */
function assertRefusalFrame(frame: Frame, action: string, mostMs: number): void {
  assert.equal(frame.type, 'error', JSON.stringify(frame));
  assert.equal(frame.code, 'RATE_LIMITED', JSON.stringify(frame));
  assert.equal(frame.action, action);
  assert.equal(typeof frame.requestId, 'string');
  assert.ok(frame.retryAfterMs > 0 && frame.retryAfterMs <= mostMs, `retryAfterMs ${frame.retryAfterMs}`);
}

/** HTTP 429 `RATE_LIMITED`, its wait in the body (at most `mostMs`) and in `Retry-After` (whole seconds). */
function assertRefusalAnswer(answer: HttpAnswer, mostMs: number): void {
  assert.equal(answer.status, 429, JSON.stringify(answer.body));
  assert.equal(answer.body.code, 'RATE_LIMITED');
  const wait = answer.body.retryAfterMs as number;
  assert.ok(wait > 0 && wait <= mostMs, `retryAfterMs ${wait}`);
  assert.equal(answer.headers['retry-after'], String(Math.ceil(wait / 1000)));
}

/**
 * Asserts that of a burst of `frames` (more than the bucket holds) on one bucket,
 * what it allows in the measured time got through, and that every other answer
 * is a refusal of its frame's action with a wait. Returns the refusals.
 */
function assertBucket(
  frames: readonly Frame[],
  answers: readonly Frame[],
  bucket: TokenBucket,
  elapsedMs: number,
): Frame[] {
  const refused = answers.filter(isRateLimited);
  assertAllowed(answers.length - refused.length, bucket, elapsedMs, `of ${answers.length} allowed`);
  // The wait is from the refusal to the next token; when a token came back meanwhile and another
  // request of the burst took it, the next one is a refill later: at most a refill past the burst.
  for (const frame of refused) {
    assertRefusalFrame(frame, frames[answers.indexOf(frame)]!.action, bucket.refillMs + elapsedMs);
  }
  return refused;
}

export function runAbuseSuite(name: string, open: () => Promise<AbuseDeployment>): void {
  describe(`abuse: ${name}`, () => {
    let deployment: AbuseDeployment;
    const sockets: ChatClient[] = [];
    let turn = 0;
    /** The next node in turn: consecutive requests land on different nodes of a cluster. */
    const node = (): AbuseNode => deployment.nodes[turn++ % deployment.nodes.length]!;

    before(async () => {
      deployment = await open();
    });
    after(async () => {
      await Promise.all(sockets.map((socket) => socket.close()));
      await deployment?.close();
    });

    const post = (path: `/api/${string}`, body: unknown, address = newAddress()): Promise<HttpAnswer> =>
      node().post(path, body, address);
    const logIn = (username: string, password: string, address: string) =>
      post('/api/login', { username, password }, address);

    async function guest(): Promise<Session> {
      const answer = await post('/api/guest', {});
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body as Session;
    }

    let owner: Promise<Session> | undefined;
    /**
     * The account the log-in tests attack, registered once (each hash takes a while at
     * the deployed cost): each test guesses from networks of its own, and the backoff
     * is per username and network.
     */
    function theOwner(): Promise<Session> {
      owner ??= post('/api/register', { username: uniqueName('owner'), password: PASSWORD }).then((answer) => {
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        return answer.body as Session;
      });
      return owner;
    }

    async function connect(session: Session): Promise<ChatClient> {
      const client = await ChatClient.connect(node().webSocketUrl, session.token);
      sockets.push(client);
      return client;
    }

    /** A WebSocket handshake: the connected client, or the HTTP status that refused it. */
    async function handshake(session: Session): Promise<ChatClient | number> {
      try {
        return await connect(session);
      } catch (error) {
        const refused = /Unexpected server response: (\d+)/.exec(String(error));
        if (refused) return Number(refused[1]);
        throw error;
      }
    }

    /** A connected guest in a room of its own, and optionally others in it too. */
    async function room(others = 0): Promise<{ client: ChatClient; roomId: string; others: ChatClient[] }> {
      const client = await connect(await guest());
      const { room } = await client.ok({ action: 'createRoom', name: uniqueName('room') });
      const members: ChatClient[] = [];
      for (let i = 0; i < others; i++) {
        const other = await connect(await guest());
        await other.ok({ action: 'joinRoom', roomId: room.id });
        members.push(other);
      }
      return { client, roomId: room.id as string, others: members };
    }

    /** Sends every frame at once (not waiting for answers) and collects each one's answer, in order. */
    async function burst(
      client: ChatClient,
      frames: readonly Frame[],
    ): Promise<{ answers: Frame[]; elapsedMs: number }> {
      const ids = frames.map((_, i) => `burst-${i}-${randomUUID()}`);
      const started = Date.now();
      frames.forEach((frame, i) => {
        client.send({ ...frame, requestId: ids[i] });
      });
      const answers: Frame[] = [];
      // Each answer within the client's wait: a flood is answered at the server's pace, never dropped.
      for (const id of ids)
        answers.push(await client.waitFor((frame) => frame.requestId === id, `the answer to ${id}`));
      return { answers, elapsedMs: Date.now() - started };
    }

    describe('log-in', () => {
      const backoff = defaultRateLimits.logIn;

      it('checks no more of 30 parallel guesses, the right one among them, than the backoff allows', async () => {
        const owner = await theOwner();
        const from = newAddress();
        // The right password last: it is among the checked ones only if the limiter lets it through.
        const guesses = Array.from({ length: 30 }, (_, i) => (i === 29 ? PASSWORD : `wrong guess ${i}`));
        const started = Date.now();
        const answers = await Promise.all(guesses.map((password) => logIn(owner.user.username, password, from)));
        const elapsedMs = Date.now() - started;

        const tokens = answers.filter((answer) => answer.status === 200);
        const checked = answers.filter((answer) => answer.status !== 429);
        assert.ok(tokens.length <= 1, `${tokens.length} tokens`);
        for (const answer of checked) assert.ok([200, 401].includes(answer.status), JSON.stringify(answer.body));
        // A success starts the count again (documented), so a token allows one more round.
        const most = mostAttempts(backoff, elapsedMs) * (tokens.length + 1);
        assert.ok(
          checked.length >= backoff.freeAttempts && checked.length <= most,
          `${checked.length} passwords checked in ${elapsedMs} ms, at most ${most}`,
        );
        for (const answer of answers.filter((a) => a.status === 429)) assertRefusalAnswer(answer, backoff.maxDelayMs);
      });

      it('checks at most the backoff’s attempts of 200 parallel wrong passwords, and refuses the rest with 429', async () => {
        const owner = await theOwner();
        const from = newAddress();
        const started = Date.now();
        const answers = await Promise.all(
          Array.from({ length: 200 }, (_, i) => logIn(owner.user.username, `wrong ${i}`, from)),
        );
        const elapsedMs = Date.now() - started;
        const checked = answers.filter((answer) => answer.status !== 429);
        const most = mostAttempts(backoff, elapsedMs);
        assert.ok(
          checked.length >= backoff.freeAttempts && checked.length <= most,
          `${checked.length} passwords checked in ${elapsedMs} ms, at most ${most}`,
        );
        for (const answer of checked) {
          assert.equal(answer.status, 401, JSON.stringify(answer.body));
          assert.equal(answer.body.code, 'BAD_CREDENTIALS');
        }
        // Refused by the backoff, or by the address's own bucket once it is empty.
        for (const answer of answers.filter((a) => a.status === 429)) {
          assertRefusalAnswer(answer, Math.max(backoff.maxDelayMs, defaultRateLimits.logInAddress.refillMs));
        }
      });

      it('never locks the owner out: another address logs in at once, and the backoff ends with a success', async () => {
        const owner = await theOwner();
        const { username } = owner.user;
        const attacker = newAddress();
        const started = Date.now();
        const statuses: number[] = [];
        // A patient attacker: it waits out each refusal and guesses again, until the backoff's
        // wait is long enough (4 s) that the next request surely falls inside it, however
        // slow the store is (DynamoDB Local in a full run answers in seconds at times).
        for (let wait = 0; wait < 4000 && statuses.length < 20; ) {
          const answer = await logIn(username, `guess ${statuses.length}`, attacker);
          statuses.push(answer.status);
          if (answer.status !== 429) continue;
          wait = answer.body.retryAfterMs as number;
          if (wait < 4000) await delay(wait);
        }
        const checked = statuses.filter((status) => status === 401).length;
        assert.ok(checked >= backoff.freeAttempts && checked <= mostAttempts(backoff, Date.now() - started));
        assert.deepEqual(statuses.slice(0, backoff.freeAttempts), Array(backoff.freeAttempts).fill(401));
        assert.ok(statuses.includes(429));

        // From the attacker's address even the right password waits, and is told how long.
        const waiting = await logIn(username, PASSWORD, attacker);
        assertRefusalAnswer(waiting, backoff.maxDelayMs);
        // From anywhere else (another device, or another client behind the proxy) the owner gets in at once.
        const elsewhere = await logIn(username, PASSWORD, newAddress());
        assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
        assert.equal(elsewhere.body.user.id, owner.user.id);

        // The wait named is enough; the success ends the backoff there too.
        await delay(waiting.body.retryAfterMs);
        const after = await logIn(username, PASSWORD, attacker);
        assert.equal(after.status, 200, JSON.stringify(after.body));
        assert.equal((await logIn(username, 'one more wrong guess', attacker)).status, 401);
      });
    });

    describe('sign-ups', () => {
      it('cuts registration spam from one address at its limit; the refused names stay free, other addresses register', async () => {
        const limit = defaultRateLimits.register;
        const spammer = newAddress();
        const names = Array.from({ length: 20 }, () => uniqueName('spam'));
        const started = Date.now();
        const answers = await Promise.all(
          names.map((username) => post('/api/register', { username, password: PASSWORD }, spammer)),
        );
        const elapsedMs = Date.now() - started;
        const created = answers.filter((answer) => answer.status === 201).length;
        assertAllowed(created, limit, elapsedMs, 'accounts');
        const refused = answers.flatMap((answer, i) => (answer.status === 201 ? [] : [names[i]!]));
        for (const answer of answers.filter((a) => a.status !== 201))
          assertRefusalAnswer(answer, limit.refillMs + elapsedMs);
        // A refused registration did nothing: its name is free.
        const freed = await post('/api/register', { username: refused[0], password: PASSWORD });
        assert.equal(freed.status, 201, JSON.stringify(freed.body));
      });

      it('cuts guest spam from one address at its limit; other addresses still get guests', async () => {
        const limit = defaultRateLimits.guest;
        const spammer = newAddress();
        const started = Date.now();
        const answers = await Promise.all(Array.from({ length: 30 }, () => post('/api/guest', {}, spammer)));
        const elapsedMs = Date.now() - started;
        const created = answers.filter((answer) => answer.status === 201).length;
        assertAllowed(created, limit, elapsedMs, 'guests');
        for (const answer of answers.filter((a) => a.status !== 201))
          assertRefusalAnswer(answer, limit.refillMs + elapsedMs);
        await guest();
      });

      it('believes X-Forwarded-For only from a trusted proxy: a client that writes its own gets no fresh limits', async (t) => {
        if (!deployment.nodes[0]!.postAsUntrustedPeer) {
          t.skip('API Gateway sets the client address itself');
          return;
        }
        const limit = defaultRateLimits.guest;
        const started = Date.now();
        const answers = await Promise.all(
          Array.from({ length: 2 * limit.capacity }, () => node().postAsUntrustedPeer!('/api/guest', {}, newAddress())),
        );
        const created = answers.filter((answer) => answer.status === 201).length;
        assertAllowed(created, limit, Date.now() - started, 'guests');
      });

      it('counts an IPv6 client by its /64: fresh addresses of one network get no fresh limits', async () => {
        const guests = defaultRateLimits.guest;
        let started = Date.now();
        const answers = await Promise.all(
          addressesOfOneNetwork(2 * guests.capacity).map((address) => post('/api/guest', {}, address)),
        );
        const created = answers.filter((answer) => answer.status === 201).length;
        assert.ok(created <= mostAllowed(guests, Date.now() - started), `${created} guests`);

        const owner = await theOwner();
        const backoff = defaultRateLimits.logIn;
        started = Date.now();
        const guesses = await Promise.all(
          addressesOfOneNetwork(4 * backoff.freeAttempts).map((address, i) =>
            logIn(owner.user.username, `guess ${i}`, address),
          ),
        );
        const checked = guesses.filter((answer) => answer.status !== 429).length;
        assert.ok(checked <= mostAttempts(backoff, Date.now() - started), `${checked} passwords checked`);
      });
    });

    describe('limits per user', () => {
      it('throttles a flood of messages from one connection: every frame answered, the rest served, nothing unacknowledged stored', async () => {
        const limit = defaultRateLimits.message;
        const { client, roomId, others } = await room(1);
        const [bystander] = others as [ChatClient];
        const flood = Array.from({ length: 200 }, (_, i) => ({
          action: 'sendMessage',
          roomId,
          text: `flood ${i}`,
          clientMessageId: `flood-${i}`,
        }));
        const { answers, elapsedMs } = await burst(client, flood);
        const refused = assertBucket(flood, answers, limit, elapsedMs);
        const acked = answers.filter((answer) => answer.type === 'ack');
        assert.equal(acked.length + refused.length, flood.length, 'every frame is an ack or a refusal');

        // The connection and the server are still fine: the bystander got every acknowledged message, once.
        await client.sync();
        for (const ack of acked) {
          await bystander.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id, 'a flood message');
        }
        await bystander.sync();
        const delivered = bystander.all((f) => f.type === 'message' && f.roomId === roomId);
        assert.equal(delivered.length, acked.length);

        // The wait named is enough, and a refused message was not stored: sent again, it is new.
        await delay(Math.max(...refused.map((frame) => frame.retryAfterMs as number)));
        const index = answers.indexOf(refused[0]!);
        const retry = await client.request(flood[index]!);
        assert.deepEqual([retry.type, retry.duplicate], ['ack', false], JSON.stringify(retry));
        const history = await bystander.ok({ action: 'history', roomId, limit: ChatLimits.historyMaxLimit });
        assert.equal(history.messages.length, acked.length + 1);
      });

      it('keeps serving when a connection resets in the middle of a flood', async () => {
        const { client, roomId, others } = await room(1);
        const [bystander] = others as [ChatClient];
        const started = Date.now();
        for (let i = 0; i < 100; i++) {
          client.send({ action: 'sendMessage', roomId, text: `reset ${i}`, clientMessageId: `reset-${i}` });
        }
        client.socket.terminate();
        await bystander.sync();
        // What was stored is stored once, and no more than the limit allowed.
        const { messages } = await bystander.ok({ action: 'history', roomId, limit: ChatLimits.historyMaxLimit });
        const texts = messages.map((message: Frame) => message.text as string);
        assert.equal(new Set(texts).size, texts.length);
        assert.ok(texts.length <= mostAllowed(defaultRateLimits.message, Date.now() - started));
        await bystander.ok({ action: 'sendMessage', roomId, text: 'still here', clientMessageId: 'after-reset' });
      });

      it('counts edits and deletes in one bucket', async () => {
        const limit = defaultRateLimits.edit;
        const { client, roomId } = await room();
        const { message } = await client.ok({ action: 'sendMessage', roomId, text: 'draft', clientMessageId: 'e' });
        const edits = Array.from({ length: limit.capacity }, (_, i) => ({
          action: 'editMessage',
          messageId: message.id,
          text: `version ${i}`,
        }));
        const deletes = Array.from({ length: 10 }, () => ({ action: 'deleteMessage', messageId: message.id }));
        const frames = [...edits, ...deletes];
        const { answers, elapsedMs } = await burst(client, frames);
        // Together they got no more than one bucket allows, and the refusals include deletes.
        const refused = assertBucket(frames, answers, limit, elapsedMs);
        assert.ok(refused.some((frame) => frame.action === 'deleteMessage'));
      });

      it('counts thread replies and sends in one bucket', async () => {
        const limit = defaultRateLimits.message;
        const client = await connect(await guest());
        // The limit is taken before anything is read: frames that then fail (no such room or
        // root) count as sends do, and leave the store alone, so the burst measures the bucket only.
        const frames = Array.from({ length: limit.capacity + 10 }, (_, i) =>
          i % 2 === 0
            ? { action: 'sendMessage', roomId: randomUUID(), text: `send ${i}`, clientMessageId: `send-${i}` }
            : { action: 'replyInThread', rootId: randomUUID(), text: `reply ${i}`, clientMessageId: `reply-${i}` },
        );
        const { answers, elapsedMs } = await burst(client, frames);
        const refused = assertBucket(frames, answers, limit, elapsedMs);
        assert.ok(refused.some((frame) => frame.action === 'replyInThread'));
        assert.ok(
          answers.every(
            (answer) =>
              isRateLimited(answer) || answer.code === 'ROOM_NOT_FOUND' || answer.code === 'MESSAGE_NOT_FOUND',
          ),
        );
      });

      it('counts reactions added and removed in one bucket', async () => {
        const limit = defaultRateLimits.reaction;
        const { client, roomId } = await room();
        const { message } = await client.ok({ action: 'sendMessage', roomId, text: 'react', clientMessageId: 'r' });
        const frames = Array.from({ length: limit.capacity + 10 }, (_, i) => ({
          action: i % 2 === 0 ? 'addReaction' : 'removeReaction',
          messageId: message.id,
          emoji: '👍',
        }));
        const { answers, elapsedMs } = await burst(client, frames);
        const refused = assertBucket(frames, answers, limit, elapsedMs);
        assert.ok(refused.some((frame) => frame.action === 'removeReaction'));
      });

      it('limits room creation, with the wait in retryAfterMs', async () => {
        const limit = defaultRateLimits.createRoom;
        const client = await connect(await guest());
        const creates = Array.from({ length: limit.capacity + 3 }, () => ({
          action: 'createRoom',
          name: uniqueName('r'),
        }));
        const { answers, elapsedMs } = await burst(client, creates);
        const refused = assertBucket(creates, answers, limit, elapsedMs);
        assert.ok(refused.length > 0);
        assert.ok(answers.filter((answer) => !isRateLimited(answer)).every((answer) => answer.type === 'roomJoined'));
      });

      it('limits joining and leaving rooms and opening direct and group conversations, one bucket for them all', async () => {
        const limit = defaultRateLimits.membership;
        const { client: owner, roomId } = await room();
        const spammer = await connect(await guest());
        const peer = (await guest()).user;
        // Each join and leave would be an event for every member: a loop of them spams as messages would.
        const frames: Frame[] = Array.from({ length: limit.capacity + 10 }, (_, i) =>
          i % 2 === 0 ? { action: 'joinRoom', roomId } : { action: 'leaveRoom', roomId },
        );
        const other = (await guest()).user;
        frames.push(
          { action: 'openDirect', userId: peer.id },
          { action: 'openDirect', userId: peer.id },
          { action: 'openGroup', userIds: [peer.id, other.id] },
          { action: 'openGroup', userIds: [other.id, peer.id] },
        );
        const { answers, elapsedMs } = await burst(spammer, frames);
        const refused = assertBucket(frames, answers, limit, elapsedMs);
        assert.ok(
          refused.some((frame) => frame.action === 'openDirect'),
          'direct conversations share the bucket',
        );
        assert.ok(
          refused.some((frame) => frame.action === 'openGroup'),
          'group conversations share the bucket',
        );
        // The members heard of no more joins and leaves than were allowed.
        await owner.sync();
        const allowed = answers.filter((answer) => answer.type === 'roomJoined' || answer.type === 'roomLeft');
        const heard = owner.all((f) => (f.type === 'memberJoined' || f.type === 'memberLeft') && f.roomId === roomId);
        assert.ok(heard.length <= allowed.length, `${heard.length} events for ${allowed.length} changes`);
      });

      it('limits invitations: inviting by username, creating and revoking invite links share one bucket', async () => {
        const limit = defaultRateLimits.invite;
        const { client: owner, roomId } = await room();
        const invitee = (await guest()).user;
        const frames: Frame[] = Array.from({ length: limit.capacity + 3 }, (_, i) =>
          i % 2 === 0 ? { action: 'createInvite', roomId } : { action: 'revokeInvite', inviteId: randomUUID() },
        );
        const { answers, elapsedMs } = await burst(owner, frames);
        assertBucket(frames, answers, limit, elapsedMs);
        // Sent once the burst is answered: where handlers run concurrently (Lambda), a frame
        // at the end of the burst may take its token before frames sent ahead of it.
        const [invited] = (await burst(owner, [{ action: 'inviteMember', roomId, username: invitee.username }]))
          .answers;
        assert.ok(invited && isRateLimited(invited), 'inviting by username shares the bucket');
        assertRefusalFrame(invited, 'inviteMember', limit.refillMs);
      });

      it('limits redeeming invite links, whether or not they work', async () => {
        const limit = defaultRateLimits.redeemInvite;
        const client = await connect(await guest());
        const frames: Frame[] = Array.from({ length: limit.capacity + 3 }, () => ({
          action: 'redeemInvite',
          token: `${randomUUID().replaceAll('-', '')}.${randomUUID().replaceAll('-', '')}`,
        }));
        const { answers, elapsedMs } = await burst(client, frames);
        assertBucket(frames, answers, limit, elapsedMs);
        assert.ok(
          answers.filter((answer) => !isRateLimited(answer)).every((answer) => answer.code === 'INVITE_NOT_FOUND'),
        );
      });

      it('limits searches, whatever they find', async () => {
        const limit = defaultRateLimits.search;
        const { client, roomId } = await room();
        // Each search reads an index per room of the user: a flood of them would cost every store.
        const frames: Frame[] = Array.from({ length: limit.capacity + 10 }, (_, i) => ({
          action: 'search',
          query: `flood ${i}`,
          ...(i % 2 === 0 && { roomId }),
        }));
        const { answers, elapsedMs } = await burst(client, frames);
        assertBucket(frames, answers, limit, elapsedMs);
      });

      it('limits looking people up by name, whatever it finds', async () => {
        const limit = defaultRateLimits.lookup;
        const { client } = await room();
        // Each lookup reads a range of every username: a flood of them would walk the user list.
        const frames: Frame[] = Array.from({ length: limit.capacity + 10 }, (_, i) => ({
          action: 'findUsers',
          query: `g${i % 3}`,
        }));
        const { answers, elapsedMs } = await burst(client, frames);
        assertBucket(frames, answers, limit, elapsedMs);
        assert.ok(answers.some(isRateLimited), 'some were refused');
      });

      it('limits pings that read the heads of the user’s rooms; a keep-alive ping is never refused', async () => {
        const limit = defaultRateLimits.ping;
        const { client } = await room();
        const { since } = await client.ok({ action: 'ping' });
        // Each one reads the heads of every room of the user: a loop of them costs what the rooms are.
        const frames: Frame[] = Array.from({ length: limit.capacity + 10 }, () => ({ action: 'ping', since }));
        const { answers, elapsedMs } = await burst(client, frames);
        assertBucket(frames, answers, limit, elapsedMs);
        assert.ok(answers.some(isRateLimited), 'some were refused');
        assert.equal((await client.request({ action: 'ping' })).type, 'pong');
      });

      it('limits reads, every kind in one bucket, and serves them again once it refills', async () => {
        const limit = defaultRateLimits.read;
        const { client, roomId } = await room();
        // Each read is a query and an answer of up to 128 KB: a loop of them floods the store as sends would.
        const reads: Frame[] = [
          { action: 'hello' },
          { action: 'listRooms' },
          { action: 'members', roomId },
          { action: 'online' },
          { action: 'history', roomId },
          { action: 'pins', roomId },
          { action: 'catchUp', rooms: [{ roomId, lastSeq: 0 }] },
        ];
        const frames = Array.from({ length: limit.capacity * 3 }, (_, i) => reads[i % reads.length]!);
        const { answers, elapsedMs } = await burst(client, frames);
        const refused = assertBucket(frames, answers, limit, elapsedMs);
        assert.ok(refused.length > 0, 'some were refused');
        const kinds = new Set(answers.filter((answer) => !isRateLimited(answer)).map((answer) => answer.type));
        assert.equal(kinds.size, reads.length, `every kind of read was served: ${[...kinds].join(', ')}`);
        // A refused read waits for its token and nothing else.
        await delay(Math.max(...refused.map((frame) => frame.retryAfterMs as number)));
        assert.equal((await client.request({ action: 'history', roomId })).type, 'history');
      });

      it('limits typing frames, answering only the refused ones', async () => {
        const limit = defaultRateLimits.typing;
        const { client, roomId } = await room();
        const ids = Array.from({ length: limit.capacity + 15 }, (_, i) => `typing-${i}`);
        const started = Date.now();
        for (const requestId of ids) client.send({ action: 'typing', roomId, requestId });
        // A typing frame is answered only when refused: wait for as many refusals as the bucket owes.
        const refusals = () => client.all((f) => ids.includes(f.requestId));
        const deadline = Date.now() + WAIT_MS;
        while (refusals().length < ids.length - mostAllowed(limit, Date.now() - started)) {
          assert.ok(Date.now() < deadline, `${refusals().length} refusals of ${ids.length} typing frames`);
          await delay(20);
        }
        await client.sync();
        for (const frame of refusals()) assertRefusalFrame(frame, 'typing', limit.refillMs + Date.now() - started);
      });

      it('refuses a user’s handshake beyond the open connections allowed with 429, until one closes', async () => {
        const most = defaultRateLimits.connectionsPerUser;
        const session = await guest();
        // Racing handshakes: never more than the limit get through.
        const raced = await Promise.all(Array.from({ length: most + 5 }, () => handshake(session)));
        const open = raced.filter((result): result is ChatClient => result instanceof ChatClient);
        assert.ok(open.length <= most, `${open.length} connections open`);
        assert.ok(raced.every((result) => result instanceof ChatClient || result === 429));
        // One at a time, the user gets exactly up to the limit. (A count, not a rate: no retryAfter applies.)
        while (open.length < most) {
          const next = await handshake(session);
          assert.ok(next instanceof ChatClient, `handshake ${open.length + 1} refused with ${next}`);
          open.push(next);
        }
        assert.equal(await handshake(session), 429);
        await open.pop()!.close();
        const deadline = Date.now() + WAIT_MS;
        for (let next = await handshake(session); !(next instanceof ChatClient); next = await handshake(session)) {
          assert.equal(next, 429);
          assert.ok(Date.now() < deadline, 'a closed connection frees its place');
          await delay(50);
        }
      });
    });

    describe('text that disguises itself', () => {
      it('refuses invisible, bidi-override and combining-mark text with the documented codes, and relays none of it', async () => {
        const { client, roomId, others } = await room(1);
        const [watcher] = others as [ChatClient];
        const { message } = await client.ok({ action: 'sendMessage', roomId, text: 'fine', clientMessageId: 'ok' });
        const bidi = 'Bidi override, embedding and isolate characters are not allowed.';
        const marks = `At most ${ChatLimits.combiningMarksMax} combining marks on one character are allowed.`;
        const cases: Array<{ text: string; code: keyof typeof ChatErrorCode; message?: string }> = [
          { text: '\u200b\u200d\u3164', code: 'EMPTY_MESSAGE' },
          { text: '\u2060\ufeff\u00ad \u200e\u2800', code: 'EMPTY_MESSAGE' },
          { text: '\u0301\u0308\u{e0061}', code: 'EMPTY_MESSAGE' },
          { text: 'abc\u202etxt.exe', code: 'UNSAFE_TEXT', message: bidi },
          { text: '\u2067isolate\u2069', code: 'UNSAFE_TEXT', message: bidi },
          { text: `a${'\u0301'.repeat(ChatLimits.combiningMarksMax + 1)}`, code: 'UNSAFE_TEXT', message: marks },
          { text: `zalgo${'\u0336\u0489'.repeat(100)}`, code: 'UNSAFE_TEXT', message: marks },
        ];
        for (const [i, { text, code, message: expected }] of cases.entries()) {
          for (const frame of [
            { action: 'sendMessage', roomId, text, clientMessageId: `bad-${i}` },
            { action: 'editMessage', messageId: message.id, text },
          ]) {
            const answer = await client.request(frame);
            assert.equal(answer.type, 'error', JSON.stringify(answer));
            assert.equal(answer.code, code, `${JSON.stringify(text)}: ${JSON.stringify(answer)}`);
            assert.equal(answer.action, frame.action);
            assert.equal(answer.message, expected ?? ChatErrorCode[code].message);
          }
        }
        // Right-to-left marks and emoji joiners are writing, not disguise: kept as sent.
        const writing = 'שלום \u200fabc 👩\u200d💻';
        const ack = await client.ok({ action: 'sendMessage', roomId, text: writing, clientMessageId: 'rtl' });
        assert.equal(ack.message.text, writing);
        await watcher.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id, 'the message');
        await watcher.sync();
        const seen = watcher.all((f) => (f.type === 'message' || f.type === 'messageEdited') && f.roomId === roomId);
        assert.deepEqual(
          seen.map((f) => f.message.text),
          ['fine', writing],
        );
      });
    });
  });
}
