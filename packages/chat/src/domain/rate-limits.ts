/**
 * The chat's rate limits: what each limit counts, its defaults, and the
 * `RateLimiter` that the use cases ask before they do the work. The state lives
 * behind the `RateLimitStore` port, so the same limits hold in every deployment
 * (memory in one process, PostgreSQL in a cluster, DynamoDB on AWS). Documented
 * in docs/protocol.md ("Limits") and docs/operations.md ("Rate limits").
 *
 * A refused call is `ChatError('RATE_LIMITED')` with `retryAfterMs`: an `error`
 * frame over WebSocket, HTTP 429 with `Retry-After` on the HTTP endpoints.
 */
import type { Clock } from '../ports/clock.ts';
import type { Backoff, RateLimitStore, TokenBucket } from '../ports/rate-limit-store.ts';
import { ChatError } from './errors.ts';

export interface RateLimitSettings {
  /** `sendMessage` and `replyInThread` together, per user. @default { capacity: 30, refillMs: 500 } (30 at once, then 2 per second) */
  message: TokenBucket;
  /** `editMessage`, `deleteMessage`, `setTopic`, `renameRoom`, `markUnread`, `setRoomVisibility`, `pinMessage`, `unpinMessage` and `setNotifications` together, per user. @default { capacity: 20, refillMs: 1000 } */
  edit: TokenBucket;
  /** `addReaction` and `removeReaction` together, per user. @default { capacity: 30, refillMs: 1000 } */
  reaction: TokenBucket;
  /**
   * `POST /api/files` (a new upload), per user: each may store up to
   * `FileLimits.maxBytes`, so a loop of them fills a disk or a bucket.
   * @default { capacity: 10, refillMs: 6000 } (10 at once, then 10 per minute)
   */
  upload: TokenBucket;
  /**
   * What `POST /api/files` may reserve, per user, in MiB (an upload costs its
   * size, rounded up; one smaller than 1 MiB costs 1): without it, ten uploads a
   * minute of `FileLimits.maxBytes` each are 144 GB a day of one account's files.
   * The capacity must hold one file of `FileLimits.maxBytes` (checked at start).
   * @default { capacity: 1024, refillMs: 84375 } (1 GiB at once, then 1 GiB a day)
   */
  uploadVolume: TokenBucket;
  /** `createRoom`, per user. @default { capacity: 5, refillMs: 60000 } (5 at once, then 1 per minute) */
  createRoom: TokenBucket;
  /**
   * `joinRoom`, `leaveRoom`, `openDirect` and `openGroup` together, per user: each join or
   * leave is a room event every member receives, and each new direct
   * conversation a room, so a loop of them spams as messages would.
   * @default { capacity: 20, refillMs: 3000 } (20 at once, then 1 every 3 seconds)
   */
  membership: TokenBucket;
  /**
   * `inviteMember`, `createInvite` and `revokeInvite` together, per user: each
   * invite by username adds a member (a room event) and each link is a stored item.
   * @default { capacity: 10, refillMs: 6000 } (10 at once, then 1 every 6 seconds)
   */
  invite: TokenBucket;
  /**
   * `redeemInvite`, per user, whether the link works or not: tokens cannot be
   * guessed, and this keeps anyone from trying.
   * @default { capacity: 10, refillMs: 6000 }
   */
  redeemInvite: TokenBucket;
  /**
   * `typing` frames, per user, whatever the room (besides the relay's own
   * once per user and room every `ChatLimits.typingIntervalMs`).
   * @default { capacity: 10, refillMs: 1000 }
   */
  typing: TokenBucket;
  /**
   * `search` and `POST /api/search` together, per user: a search reads an index
   * per room of the user, so a flood of them costs every store (and, on AWS,
   * read units). The web client searches as its user types, at most every 250 ms.
   * @default { capacity: 20, refillMs: 1000 } (20 at once, then 1 per second)
   */
  search: TokenBucket;
  /**
   * `findUsers`, per user: the web client looks people up as its user types,
   * at most every 250 ms; the limit keeps the user list from being walked fast.
   * @default { capacity: 20, refillMs: 1000 } (20 at once, then 1 per second)
   */
  lookup: TokenBucket;
  /**
   * `ping` with `since`, per user, all connections (each reads the heads of all
   * the user's rooms): a tab pings every 25 s, and a page that did not fit asks
   * again at once. A `ping` without `since` reads nothing and is not counted.
   * @default { capacity: 20, refillMs: 1000 }
   */
  ping: TokenBucket;
  /**
   * The reads a client asks for: `hello`, `listRooms`, `members`, `online`,
   * `history`, `pins`, `catchUp`, `thread`, `threads`, `invites` and `auditLog`
   * together, per user, all connections. Each
   * costs the store a query (on AWS, read units) and an answer of up to 128 KB,
   * so a loop of them is a flood like any other. The web client reads a handful
   * per reconnect and per page the user scrolls to; a refused read is asked again
   * after `retryAfterMs`.
   * @default { capacity: 100, refillMs: 100 } (100 at once, then 10 per second)
   */
  read: TokenBucket;
  /** `POST /api/register`, per client address. @default { capacity: 5, refillMs: 720000 } (5 at once, then 5 per hour) */
  register: TokenBucket;
  /** `POST /api/guest`, per client address. @default { capacity: 10, refillMs: 60000 } (10 at once, then 1 per minute) */
  guest: TokenBucket;
  /** `POST /api/login` attempts, per client address, whatever the username. @default { capacity: 30, refillMs: 10000 } */
  logInAddress: TokenBucket;
  /**
   * `POST /api/login` attempts per username and client address, counted before
   * the password is checked: 5 at once, then waits of 1 s, 2 s, 4 s … up to
   * 15 minutes between attempts; a success, or a day without attempts, starts
   * again. Another address is not affected, so nobody can lock an owner out.
   * @default { freeAttempts: 5, baseDelayMs: 1000, maxDelayMs: 900000, forgetAfterMs: 86400000 }
   */
  logIn: Backoff;
  /** Open WebSocket connections per user; the next handshake is refused with 429. @default 20 */
  connectionsPerUser: number;
}

export const defaultRateLimits: RateLimitSettings = {
  message: { capacity: 30, refillMs: 500 },
  edit: { capacity: 20, refillMs: 1000 },
  reaction: { capacity: 30, refillMs: 1000 },
  upload: { capacity: 10, refillMs: 6000 },
  uploadVolume: { capacity: 1024, refillMs: 84_375 },
  createRoom: { capacity: 5, refillMs: 60_000 },
  membership: { capacity: 20, refillMs: 3000 },
  invite: { capacity: 10, refillMs: 6000 },
  redeemInvite: { capacity: 10, refillMs: 6000 },
  typing: { capacity: 10, refillMs: 1000 },
  search: { capacity: 20, refillMs: 1000 },
  lookup: { capacity: 20, refillMs: 1000 },
  ping: { capacity: 20, refillMs: 1000 },
  read: { capacity: 100, refillMs: 100 },
  register: { capacity: 5, refillMs: 720_000 },
  guest: { capacity: 10, refillMs: 60_000 },
  logInAddress: { capacity: 30, refillMs: 10_000 },
  logIn: { freeAttempts: 5, baseDelayMs: 1000, maxDelayMs: 900_000, forgetAfterMs: 86_400_000 },
  connectionsPerUser: 20,
};

/** The limits counted by a token bucket. */
export type BucketLimit = Exclude<keyof RateLimitSettings, 'logIn' | 'connectionsPerUser'>;

/** What a refusal tells people (the code and `retryAfterMs` are for programs). */
const refusals: Record<BucketLimit | 'logIn', string> = {
  message: 'You are sending messages too fast. Wait a moment.',
  edit: 'You are changing messages too fast. Wait a moment.',
  reaction: 'You are reacting too fast. Wait a moment.',
  upload: 'You are uploading files too fast. Wait a moment.',
  uploadVolume: 'You have uploaded as much as a day allows. Try again later.',
  createRoom: 'You are creating rooms too fast. Try again later.',
  membership: 'You are joining and leaving rooms too fast. Wait a moment.',
  invite: 'You are inviting people too fast. Wait a moment.',
  redeemInvite: 'You are using invite links too fast. Wait a moment.',
  typing: 'Too many typing notifications.',
  search: 'You are searching too fast. Wait a moment.',
  lookup: 'You are looking people up too fast. Wait a moment.',
  ping: 'Too many pings.',
  read: 'You are reading too fast. Wait a moment.',
  register: 'Too many new accounts from your address. Try again later.',
  guest: 'Too many guest sign-ins from your address. Try again later.',
  logInAddress: 'Too many log-in attempts from your address. Try again later.',
  logIn: 'Too many log-in attempts for this account. Try again later.',
};

/** Overrides of some limits, and of some fields of a limit (`{ message: { capacity: 60 } }`). */
export type RateLimitOverrides = {
  [K in keyof RateLimitSettings]?: RateLimitSettings[K] extends number ? number : Partial<RateLimitSettings[K]>;
};

/**
 * The defaults with `overrides` applied, checked: every field an integer, at
 * least 1 (`freeAttempts` at least 0). Throws `TypeError` naming the first bad
 * or unknown setting, so an operator's typo fails at start, not under attack.
 * @example resolveRateLimits({ message: { capacity: 60 } })
 */
export function resolveRateLimits(overrides: RateLimitOverrides = {}): RateLimitSettings {
  const settings: Record<string, unknown> = { ...defaultRateLimits };
  for (const [name, value] of Object.entries(overrides as Record<string, unknown>)) {
    const base = (defaultRateLimits as unknown as Record<string, unknown>)[name];
    if (base === undefined) throw new TypeError(`Unknown rate limit ${JSON.stringify(name)}.`);
    if (typeof base === 'number') {
      settings[name] = checkField(name, value, 1);
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new TypeError(`Rate limit ${name} must be an object like ${JSON.stringify(base)}.`);
    }
    const merged: Record<string, unknown> = { ...(base as object) };
    for (const [field, number] of Object.entries(value)) {
      if (!(field in merged)) throw new TypeError(`Unknown field ${JSON.stringify(field)} of rate limit ${name}.`);
      merged[field] = checkField(`${name}.${field}`, number, field === 'freeAttempts' ? 0 : 1);
    }
    settings[name] = merged;
  }
  return settings as unknown as RateLimitSettings;
}

/**
 * Rate limit overrides from a JSON setting (`CHAT_RATE_LIMITS`), checked as
 * `resolveRateLimits` does. Throws `TypeError` naming the setting `name`.
 * @example parseRateLimits('{"message":{"capacity":60}}', 'CHAT_RATE_LIMITS')
 */
export function parseRateLimits(text: string, name: string): RateLimitOverrides {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TypeError(`${name} is not JSON: expected for example {"message":{"capacity":60,"refillMs":500}}.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError(`${name} must be a JSON object of rate limits.`);
  }
  try {
    resolveRateLimits(parsed as RateLimitOverrides);
  } catch (error) {
    throw new TypeError(`${name}: ${(error as Error).message}`);
  }
  return parsed as RateLimitOverrides;
}

function checkField(name: string, value: unknown, least: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
    throw new TypeError(`Rate limit ${name} must be an integer of at least ${least}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

export class RateLimiter {
  readonly settings: RateLimitSettings;
  readonly #store: RateLimitStore;
  readonly #clock: Clock;

  constructor(store: RateLimitStore, settings: RateLimitSettings, clock: Clock) {
    this.#store = store;
    this.settings = settings;
    this.#clock = clock;
  }

  /**
   * Takes a token of `limit` for `subject` (a user id or a client address), or `cost`
   * tokens (at most the limit's capacity). Errors: RATE_LIMITED.
   */
  async take(limit: BucketLimit, subject: string, cost = 1): Promise<void> {
    const bucket = this.settings[limit];
    if (cost > bucket.capacity) throw new RangeError(`A cost of ${cost} never fits rate limit ${limit}.`);
    const decision = await this.#store.take(key(limit, subject), bucket, this.#clock.now(), cost);
    if (!decision.allowed) throw refused(limit, decision.retryAfterMs);
  }

  /** Claims a log-in attempt for the username from the address. Errors: RATE_LIMITED. */
  async claimLogIn(username: string, address: string): Promise<void> {
    const decision = await this.#store.claimAttempt(
      key('logIn', username, address),
      this.settings.logIn,
      this.#clock.now(),
    );
    if (!decision.allowed) throw refused('logIn', decision.retryAfterMs);
  }

  /** A successful log-in ends the backoff of the username from that address. */
  async forgetLogIn(username: string, address: string): Promise<void> {
    await this.#store.forget(key('logIn', username, address));
  }
}

/** JSON keeps the parts unambiguous whatever characters they hold (usernames as typed, IPv6 addresses). */
function key(limit: string, ...subject: string[]): string {
  return JSON.stringify([limit, ...subject]);
}

function refused(limit: BucketLimit | 'logIn', retryAfterMs: number): ChatError {
  return new ChatError('RATE_LIMITED', refusals[limit], { retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)) });
}
