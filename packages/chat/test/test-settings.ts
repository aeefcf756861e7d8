/**
 * Settings for servers and services in tests that are about something else:
 * rate limits high enough never to refuse (many sign-ups from 127.0.0.1, bursts
 * of messages) and cheap password hashing (OWASP's cost takes most of a second
 * per hash, which adds up to minutes over the suite). Tests of the limits and
 * of hashing use the deployed defaults.
 */
import { join } from 'node:path';
import type { ScryptCost } from '../src/accounts/password.ts';
import type { RateLimitOverrides } from '../src/domain/rate-limits.ts';
import type { ChatServerOptions } from '../src/server.ts';

const plenty = { capacity: 1_000_000, refillMs: 1 };

export const relaxedRateLimits: RateLimitOverrides = {
  message: plenty,
  edit: plenty,
  reaction: plenty,
  upload: plenty,
  uploadVolume: plenty,
  createRoom: plenty,
  membership: plenty,
  invite: plenty,
  redeemInvite: plenty,
  typing: plenty,
  search: plenty,
  lookup: plenty,
  ping: plenty,
  read: plenty,
  register: plenty,
  guest: plenty,
  logInAddress: plenty,
  logIn: { freeAttempts: 1_000_000 },
  connectionsPerUser: 1_000_000,
};

/** scrypt at a test's cost: far below OWASP's, never for stored passwords that matter. */
export const cheapPasswordCost: ScryptCost = { N: 2 ** 12, r: 8, p: 1 };

/** An embedded server on a SQLite file in `dataDir`, on a free port, quiet, with no web client and these settings. */
export function embeddedTestServer(dataDir: string): ChatServerOptions {
  return {
    port: 0,
    dataDir,
    logger: false,
    webRoot: join(dataDir, 'no-web'),
    rateLimits: relaxedRateLimits,
    passwordCost: cheapPasswordCost,
  };
}
