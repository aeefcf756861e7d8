/**
 * Arbitrary frames for every action, from a member of a room with a message in
 * it, against the chat's real handlers on a real gateway over each store
 * (fast-check). Most frames pass their action's model, so they reach the
 * handlers: built from the models themselves, holding what a hostile or broken
 * client might put there (the ids of real things, ids shaped like the stores'
 * keys, bounds, odd text); the rest are of any shape. Whatever arrives, the chat
 * answers with a documented frame (an answer, a chat `error` with a code that is
 * not `INTERNAL`, or API Gateway's `Invalid request body`), at most one per
 * request, fails no handler, and keeps the connection serving.
 *
 * @example
 * runProtocolFuzz('SQLite', async () => ({ store, fanOut: 'channels', close: () => store.close() }), 400);
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type JsonSchema, requestModels } from '../src/api/models.ts';
import { ChatAction } from '../src/api/protocol.ts';
import type { ChatStore } from '../src/ports/chat-store.ts';
import { type ChatOnStore, startChatOnStore } from './chat-on-store.ts';
import { ChatClient, type Frame, WAIT_MS } from './chat-test-client.ts';
import { hostileScalar } from './hostile-values.ts';
import { relaxedRateLimits } from './test-settings.ts';

/** API Gateway's answer to a frame that fails its route's model (docs/protocol.md). */
const INVALID_BODY = 'Invalid request body';
/** API Gateway's largest WebSocket frame (a message of up to 128 KB comes in fragments; `send` writes one frame). */
const MAX_FRAME_BYTES = 32 * 1024;
/** How long a typing frame may take to be refused before it counts as taken (and answered by nothing). */
const TYPING_GRACE_MS = 300;

/** Every property name a request model declares, nested ones included. */
function propertyNames(schema: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) propertyNames(item, names);
  } else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'properties' && value && typeof value === 'object') {
        for (const name of Object.keys(value)) names.add(name);
      }
      propertyNames(value, names);
    }
  }
  return names;
}

const FIELDS = [...propertyNames(Object.values(requestModels))].filter((name) => name !== 'action');

/** Stand-ins for ids only known once the chat runs, swapped in before sending. */
const IDS = ['<room>', '<message>', '<user>', '<username>'] as const;
type Placeholder = (typeof IDS)[number];
/** Real ids, and strings shaped like the stores' keys around them (DynamoDB joins ids into keys with `#`). */
const PLACEHOLDERS = [...IDS, '<room>#MSG#1', '<room>#<user>', 'ROOM#<room>', '<message>#', '#', '<user>\u0000'];

const leaf = hostileScalar(PLACEHOLDERS, { minLength: 3_000, maxLength: 9_000 });
const value = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.dictionary(fc.constantFrom(...FIELDS), leaf, { maxKeys: 4 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), leaf, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
/** Frames of any shape: most fail the action's model, which the gateway answers itself. */
const anyFrame = fc.record({
  action: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...ChatAction) }, { weight: 1, arbitrary: fc.string() }),
  fields: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }),
});

/**
 * Values a draft-4 schema accepts (the subset the request models use), biased to
 * what hurts: the ids of real things, bounds, empty and longest strings, odd text.
 */
function valid(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string': {
      const minLength = (schema.minLength as number | undefined) ?? 0;
      const maxLength = (schema.maxLength as number | undefined) ?? 10_000;
      const text = fc.oneof(
        fc.string({ minLength, maxLength: Math.min(maxLength, 40) }),
        fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, 40) }),
        fc.constant('x'.repeat(Math.max(minLength, maxLength))),
      );
      return fc.oneof(fc.constantFrom(...PLACEHOLDERS), text);
    }
    case 'integer': {
      const min = (schema.minimum as number | undefined) ?? -(2 ** 53) + 1;
      const max = (schema.maximum as number | undefined) ?? 2 ** 53 - 1;
      return fc.oneof(fc.constantFrom(min, max), fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) }));
    }
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valid(schema.items as JsonSchema), {
        minLength: (schema.minItems as number | undefined) ?? 0,
        maxLength: Math.min((schema.maxItems as number | undefined) ?? 5, 5),
      });
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valid(property)])),
        { requiredKeys: (schema.required as string[] | undefined) ?? [] },
      );
      // `oneOf` of required lists (openDirect): a value with every property passes none, so one list is kept.
      const choices = schema.oneOf as Array<{ required: string[] }> | undefined;
      if (!choices) return record;
      return fc.tuple(record, fc.constantFrom(...choices)).map(([value, choice]) => {
        const others = choices.flatMap(({ required }) => required).filter((key) => !choice.required.includes(key));
        const kept = Object.fromEntries(Object.entries(value as object).filter(([key]) => !others.includes(key)));
        return { ...kept, ...Object.fromEntries(choice.required.map((key) => [key, PLACEHOLDERS[0]])) };
      });
    }
    default:
      return fc.jsonValue();
  }
}

/** Frames that pass their action's model, so they reach the handlers. */
const validFrame = fc
  .constantFrom(...ChatAction)
  .chain((action) =>
    valid(requestModels[action]).map((fields) => ({ action, fields: fields as Record<string, unknown> })),
  );

const frame = fc.oneof({ weight: 1, arbitrary: anyFrame }, { weight: 3, arbitrary: validFrame });

function withIds(input: unknown, ids: Record<Placeholder, string>): unknown {
  if (typeof input === 'string')
    return input.replace(/<(room|message|user|username)>/g, (id) => ids[id as Placeholder]);
  if (Array.isArray(input)) return input.map((item) => withIds(item, ids));
  if (input && typeof input === 'object') {
    return Object.fromEntries(Object.entries(input).map(([key, item]) => [key, withIds(item, ids)]));
  }
  return input;
}

/** A store to fuzz the chat on, and how its deployment broadcasts. */
export interface FuzzedStore {
  store: ChatStore;
  fanOut: 'channels' | 'posting';
  close(): Promise<void>;
}

export function runProtocolFuzz(name: string, open: () => Promise<FuzzedStore>, numRuns: number): void {
  describe(`arbitrary frames for every action: ${name}`, { timeout: 600_000 }, () => {
    let opened: FuzzedStore;
    let chat: ChatOnStore;
    let client: ChatClient;
    let ids: Record<Placeholder, string>;

    before(async () => {
      opened = await open();
      const { store } = opened;
      chat = await startChatOnStore(store, opened.fanOut, undefined, relaxedRateLimits);
      const newUser = (username: string) =>
        store.createUser({ id: randomUUID(), username, guest: false, createdAt: Date.now() });
      const suffix = randomUUID().slice(0, 8);
      const [owner, other] = [await newUser(`fuzz-${suffix}`), await newUser(`other-${suffix}`)];
      client = await ChatClient.connect(chat.webSocketUrl, await chat.tokenFor(owner));
      const { room } = await client.ok({ action: 'createRoom', name: `fuzz-${suffix}` });
      const { message } = await client.ok({
        action: 'sendMessage',
        roomId: room.id,
        text: 'the first message',
        clientMessageId: randomUUID(),
      });
      ids = { '<room>': room.id, '<message>': message.id, '<user>': other.id, '<username>': other.username };
    });

    after(async () => {
      await client?.close();
      await chat?.close();
      await opened?.close();
    });

    it('answers each with a documented frame, fails no handler and keeps serving', async () => {
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(frame, async ({ action, fields }) => {
          const requestId = `fuzz-${++sent}`;
          const body = JSON.stringify({ ...(withIds(fields, ids) as Frame), action, requestId });
          // A larger frame ends the connection (1009), as on API Gateway: the gateway's tests cover that.
          fc.pre(Buffer.byteLength(body) <= MAX_FRAME_BYTES);
          const from = client.frames.length;
          client.send(body);
          // A typing frame that is taken is not answered; a refused one is, with the request id.
          const answered = (written: Frame) => written.requestId === requestId || written.message === INVALID_BODY;
          const waitMs = action === 'typing' ? TYPING_GRACE_MS : WAIT_MS;
          await client.waitFor(answered, `the answer to ${action}`, from, waitMs).catch((error: unknown) => {
            if (action !== 'typing') throw error;
          });
        }),
        { numRuns },
      );
      await client.sync();
      const answers = new Map<string, number>();
      for (const written of client.frames) {
        assert.notEqual(written.code, 'INTERNAL', JSON.stringify(written));
        assert.notEqual(written.message, 'Internal server error', JSON.stringify(written));
        if (typeof written.requestId === 'string') {
          answers.set(written.requestId, (answers.get(written.requestId) ?? 0) + 1);
        }
      }
      assert.deepEqual(
        [...answers].filter(([, count]) => count > 1),
        [],
        'one answer per request',
      );
      assert.deepEqual(client.raw, []);
    });
  });
}
