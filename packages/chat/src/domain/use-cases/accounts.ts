/**
 * Accounts and sessions: registration, log-in, guest accounts, password changes, and checking a
 * session token. Sign-ups are limited per client address, and log-in attempts
 * per username and address (exponential backoff) and per address (an IPv6
 * address counts by its /64 network: domain/client-network.ts): each
 * attempt is claimed before the password is checked, so parallel guesses
 * cannot outrun the count (domain/rate-limits.ts).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { PasswordHasher } from '../../accounts/password.ts';
import type { TokenClaims, TokenService } from '../../accounts/tokens.ts';
import { clientNetwork } from '../client-network.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { generateGuestName, normalizeUsername } from '../names.ts';
import type { Session, User } from '../types.ts';
import { userSummary } from '../views.ts';
import type { ServiceContext } from './context.ts';
import type { GuestExpiry } from './guest-expiry.ts';
import type { RoomService } from './rooms.ts';

/** Who is asking, as far as the server can tell. */
export interface ClientInfo {
  /** The client's IP address (behind a trusted proxy, the one it reports: see http/client-address.ts). */
  address: string;
}

export class AccountService {
  readonly #context: ServiceContext;
  readonly #tokens: TokenService;
  readonly #rooms: RoomService;
  readonly #passwords: PasswordHasher;
  readonly #guests: GuestExpiry;

  constructor(
    context: ServiceContext,
    tokens: TokenService,
    rooms: RoomService,
    passwords: PasswordHasher,
    guests: GuestExpiry,
  ) {
    this.#context = context;
    this.#tokens = tokens;
    this.#rooms = rooms;
    this.#passwords = passwords;
    this.#guests = guests;
  }

  /**
   * Creates an account and joins it to `general`.
   * Errors: INVALID_USERNAME, INVALID_PASSWORD, USERNAME_TAKEN, RATE_LIMITED (per address).
   */
  async register(username: string, password: string, client: ClientInfo): Promise<Session> {
    const name = normalizeUsername(username);
    requireValidPassword(password);
    await this.#context.limits.take('register', clientNetwork(client.address));
    const user = await this.#context.store.createUser({
      id: randomUUID(),
      username: name,
      guest: false,
      createdAt: this.#context.clock.now(),
      passwordHash: await this.#passwords.hash(password),
    });
    await this.#rooms.joinDefaultRoom(user);
    return this.#session(user);
  }

  /**
   * Errors: BAD_CREDENTIALS (unknown user or wrong password: indistinguishable, and
   * equally slow), RATE_LIMITED (the address's attempts, or the backoff of this
   * username from this address; a success ends that backoff). A password hashed
   * at an older cost is hashed again at the current one.
   */
  async logIn(username: string, password: string, client: ClientInfo): Promise<Session> {
    const { store } = this.#context;
    const name = username.trim().toLowerCase();
    const { user, rehash } = await this.#checkPassword(name, password, client, () => store.getUserByUsername(name));
    // Told only to whoever knows the password: it says nothing about accounts to anyone else.
    if ((await store.getDeactivation(user.id)) !== undefined) throw new ChatError('ACCOUNT_DEACTIVATED');
    if (rehash) await this.#rehash(user, password);
    return this.#session(user);
  }

  /**
   * A new guest account with a generated, unused name (e.g. `guest-witty-otter-417`), joined to `general`.
   * Each sign-in also retires an idle guest or so, so guests expire on a
   * deployment without a timer too (AWS). Errors: RATE_LIMITED (per address).
   */
  async guest(client: ClientInfo): Promise<Session> {
    await this.#context.limits.take('guest', clientNetwork(client.address));
    try {
      await this.#guests.sweep({ guests: 2, renameBudget: 200 });
    } catch (error) {
      this.#context.logger.warn({ err: error }, 'chat: could not retire idle guests');
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const user = await this.#context.store.createUser({
          id: randomUUID(),
          username: generateGuestName(randomInt),
          guest: true,
          createdAt: this.#context.clock.now(),
        });
        await this.#rooms.joinDefaultRoom(user);
        return this.#session(user);
      } catch (error) {
        // 13,824,000 names: a clash is rare, several in a row means something else is wrong.
        if (!(error instanceof ChatError && error.code === 'USERNAME_TAKEN') || attempt === 5) throw error;
      }
    }
  }

  /**
   * The claims of a well-signed, unexpired token, without asking the store (the
   * WebSocket authorizer: `$connect` checks the session, so a handshake whose
   * token cannot be checked answers 503, not 401). Errors: UNAUTHENTICATED.
   */
  async verifyToken(token: string): Promise<TokenClaims> {
    return this.#tokens.verify(token, this.#context.clock.now());
  }

  /** The claims of a valid token whose session is live. Errors: UNAUTHENTICATED. */
  async authenticate(token: string): Promise<TokenClaims> {
    const claims = await this.verifyToken(token);
    await this.#context.requireSession(claims.sessionId, claims.userId);
    return claims;
  }

  /**
   * Ends the token's session: the token stops working for new connections and
   * HTTP requests at once (open WebSocket connections stay until they close).
   * Signing out twice is fine. Errors: UNAUTHENTICATED (not a valid token).
   */
  async signOut(token: string): Promise<void> {
    const claims = await this.verifyToken(token);
    await this.#context.store.deleteSession(claims.sessionId);
  }

  /**
   * A new session (a new token with a full lifetime) for a live one, which ends.
   * Errors: UNAUTHENTICATED (not a valid token, or its session has ended).
   */
  async refresh(token: string): Promise<Session> {
    const claims = await this.authenticate(token);
    const user = await this.#context.requireUser(claims.userId);
    const session = await this.#session(user);
    await this.#context.store.deleteSession(claims.sessionId);
    return session;
  }

  /**
   * Sets a new password for the token's account once its current one is given: every
   * session of the account then ends and its open connections close (a device left
   * signed in, or a stolen token, is cut off), and a new session is returned for the
   * device that asked. A wrong current password counts as a failed log-in, with the same
   * limits (`logIn`), so a token alone cannot be used to guess it.
   * Errors: UNAUTHENTICATED, BAD_REQUEST (a guest has no password), INVALID_PASSWORD,
   * BAD_CREDENTIALS (the current password is wrong), RATE_LIMITED.
   */
  async changePassword(
    token: string,
    passwords: { currentPassword: string; newPassword: string },
    client: ClientInfo,
  ): Promise<Session> {
    const claims = await this.authenticate(token);
    const user = await this.#context.requireUser(claims.userId);
    if (user.guest) throw new ChatError('BAD_REQUEST', 'A guest account has no password: register instead.');
    requireValidPassword(passwords.newPassword);
    const refusal = 'The current password is wrong.';
    await this.#checkPassword(user.username, passwords.currentPassword, client, async () => user, refusal);
    await this.#context.store.setPasswordHash(user.id, await this.#passwords.hash(passwords.newPassword));
    await this.#context.endSessions(user.id);
    return this.#session(user);
  }

  /**
   * Checks `password` for the account named `username` under the log-in limits: the
   * address's attempts and this username's backoff from this address are both counted
   * before the slow hash (a guess that was not allowed is never checked), `find` reads
   * the account after that, and a success ends the backoff.
   * Errors: RATE_LIMITED, BAD_CREDENTIALS (no such account or a wrong password alike,
   * equally slow; `refusal` as its message).
   */
  async #checkPassword(
    username: string,
    password: string,
    client: ClientInfo,
    find: () => Promise<User | undefined>,
    refusal?: string,
  ): Promise<{ user: User; rehash: boolean }> {
    const { store, limits } = this.#context;
    const network = clientNetwork(client.address);
    await limits.take('logInAddress', network);
    await limits.claimLogIn(username, network);
    const user = await find();
    const hash = user ? await store.getPasswordHash(user.id) : undefined;
    const check = await this.#passwords.verify(password, hash ?? (await this.#passwords.decoy()));
    if (!user || hash === undefined || !check.valid) throw new ChatError('BAD_CREDENTIALS', refusal);
    await limits.forgetLogIn(username, network);
    return { user, rehash: check.rehash };
  }

  /** Stores the password again at the current cost; a failure leaves the old hash, which still verifies. */
  async #rehash(user: User, password: string): Promise<void> {
    try {
      await this.#context.store.setPasswordHash(user.id, await this.#passwords.hash(password));
    } catch (error) {
      this.#context.logger.warn({ err: error, userId: user.id }, 'chat: could not store a rehashed password');
    }
  }

  /** Opens a session for the user and issues its token. */
  async #session(user: User): Promise<Session> {
    const now = this.#context.clock.now();
    const sessionId = randomUUID();
    const { token, expiresAt } = await this.#tokens.issue(user, sessionId, now);
    await this.#context.store.createSession({ id: sessionId, userId: user.id, createdAt: now, expiresAt });
    await this.#guests.active(user);
    return { token, expiresAt, user: userSummary(user) };
  }
}

/** A password's length rule (in code points). Errors: INVALID_PASSWORD. */
function requireValidPassword(password: string): void {
  const length = [...password].length;
  if (length < ChatLimits.passwordMinLength || length > ChatLimits.passwordMaxLength) {
    throw new ChatError('INVALID_PASSWORD');
  }
}
