/**
 * Rules for usernames and room names (docs/protocol.md, "Accounts" and "Rooms").
 * Both are case-insensitive: they are stored and compared in lower case.
 */
import { ChatError } from './errors.ts';

const usernamePattern = /^[a-z0-9][a-z0-9_.-]{2,23}$/;
const roomNamePattern = /^[a-z0-9][a-z0-9_-]{1,31}$/;

/** The name of the room every user joins on sign-up. */
export const DEFAULT_ROOM_NAME = 'general';

/** The start of every guest's name, and of a retired guest's (use-cases/guest-expiry.ts). */
export const GUEST_PREFIX = 'guest-';
export const FORMER_GUEST_PREFIX = 'former-guest-';

/** Names the server gives guests and former guests: nobody registers them, so nobody passes for one. */
const reservedPrefixes = [GUEST_PREFIX, FORMER_GUEST_PREFIX];

/**
 * 3-24 characters of `a-z 0-9 _ . -`, starting with a letter or digit, and not
 * starting with `guest-` or `former-guest-`; returned in lower case.
 */
export function normalizeUsername(input: string): string {
  const username = input.trim().toLowerCase();
  if (!usernamePattern.test(username)) throw new ChatError('INVALID_USERNAME');
  if (reservedPrefixes.some((prefix) => username.startsWith(prefix))) {
    throw new ChatError('INVALID_USERNAME', 'Names starting with "guest-" or "former-guest-" are kept for guests.');
  }
  return username;
}

/** 2-32 characters of `a-z 0-9 _ -`, starting with a letter or digit; returned in lower case. */
export function normalizeRoomName(input: string): string {
  const name = input.trim().toLowerCase();
  if (!roomNamePattern.test(name)) throw new ChatError('INVALID_ROOM_NAME');
  return name;
}

const adjectives = [
  'amber',
  'brave',
  'calm',
  'clever',
  'coral',
  'daring',
  'eager',
  'fancy',
  'gentle',
  'happy',
  'jolly',
  'keen',
  'lively',
  'lucky',
  'mellow',
  'nimble',
  'plucky',
  'quiet',
  'rapid',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'witty',
];
const animals = [
  'badger',
  'beaver',
  'crane',
  'dingo',
  'falcon',
  'ferret',
  'gecko',
  'heron',
  'ibex',
  'koala',
  'lemur',
  'lynx',
  'marten',
  'moose',
  'otter',
  'panda',
  'puffin',
  'quokka',
  'raven',
  'seal',
  'stoat',
  'tapir',
  'walrus',
  'wombat',
];

/**
 * A guest name such as `guest-witty-otter-417`. `random` returns an integer in
 * `[0, n)`; the caller retries on `USERNAME_TAKEN`.
 */
export function generateGuestName(random: (n: number) => number): string {
  return `${GUEST_PREFIX}${adjectives[random(adjectives.length)]}-${animals[random(animals.length)]}-${random(1000)}`;
}

/** `CHAT_ADMINS`: the server's admins, usernames separated by commas or spaces (lower-cased). */
export function serverAdminNames(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,]+/)
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}
