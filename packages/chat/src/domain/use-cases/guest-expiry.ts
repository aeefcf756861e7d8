/**
 * Guests expire. A guest account idle for `idleMs` (no open connection, no
 * sign-in, refresh, connect or disconnect in that time) is retired: its
 * sessions end, it leaves every room (members get `memberLeft`), and the
 * account and all its messages are renamed to a "former guest" name
 * (`former-guest-` and 11 base-36 digits of a hash of its id), which frees
 * the guest name for someone else while the messages stay. Direct conversations stay as they are
 * for the other member.
 *
 * Every step can be repeated, so a retirement cut short (a crash, a timeout,
 * the rename budget) resumes at the next sweep; several nodes sweeping at
 * once only repeat harmless steps.
 */
import { createHash } from 'node:crypto';
import type { Page } from '../../ports/chat-store.ts';
import { ChatLimits } from '../limits.ts';
import { FORMER_GUEST_PREFIX } from '../names.ts';
import type { RoomId, User, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export interface GuestExpirySettings {
  /** How long a guest may be idle before it is retired. @default 86400000 (24 hours, a guest token's lifetime) */
  idleMs: number;
}

export const defaultGuestIdleMs = 24 * 60 * 60 * 1000;

/** Messages renamed per store call. */
const RENAME_PAGE = 100;

export class GuestExpiry {
  readonly #context: ServiceContext;
  readonly #idleMs: number;

  constructor(context: ServiceContext, settings: GuestExpirySettings) {
    if (!Number.isSafeInteger(settings.idleMs) || settings.idleMs < 1) {
      throw new TypeError(`The guest idle time must be a positive number of milliseconds, got ${settings.idleMs}.`);
    }
    this.#context = context;
    this.#idleMs = settings.idleMs;
  }

  /**
   * Retires up to `guests` idle guests, renaming at most `renameBudget`
   * messages in all (a guest whose messages are not all renamed yet is
   * finished by a later sweep). Resolves to the number retired.
   */
  async sweep({ guests = 50, renameBudget = 5000 }: { guests?: number; renameBudget?: number } = {}): Promise<number> {
    const { store, clock } = this.#context;
    const now = clock.now();
    let budget = renameBudget;
    let retired = 0;
    for (const guest of await store.listIdleGuests(now - this.#idleMs, guests)) {
      if (budget <= 0) break;
      const outcome = await this.#retire(guest, now, budget);
      budget -= outcome.renamed;
      if (outcome.retired) retired++;
    }
    return retired;
  }

  /**
   * Records activity of a guest (the clock for its idle time); nothing for
   * registered users. Activity recorded less than a thousandth of `idleMs` ago
   * (86 s of 24 hours) stands: a guest's connections opening and closing in a
   * burst (a restart reconnects everyone) cost one write, not one each, and a
   * guest is retired at most that much early.
   */
  async active(user: User): Promise<void> {
    if (!user.guest) return;
    const now = this.#context.clock.now();
    await this.#context.store.recordGuestActivity(user.id, now, now - Math.floor(this.#idleMs / 1000));
  }

  async #retire(guest: User, now: number, budget: number): Promise<{ retired: boolean; renamed: number }> {
    const context = this.#context;
    const { store } = context;
    if ((await store.listUserConnections(guest.id)).length > 0) {
      // Connected all this time: active, not idle. Move it to the back of the line.
      await store.recordGuestActivity(guest.id, now, now);
      return { retired: false, renamed: 0 };
    }
    await store.deleteUserSessions(guest.id);
    // A page at a time: a guest may have joined many rooms. Leaving a room does not
    // move the keyset start, which is the last room id seen.
    let page: Page<RoomId> = { limit: ChatLimits.roomsPageSize };
    for (;;) {
      const rooms = await store.listUserRooms(guest.id, page);
      for (const { room } of rooms) {
        if (room.kind !== 'room') continue;
        const { event } = await store.removeMember(room.id, guest.id, now);
        if (event) await context.publish(room.id, event);
      }
      const last = rooms.at(-1);
      if (!last || rooms.length < page.limit) break;
      page = { after: last.room.id, limit: page.limit };
    }
    const name = formerGuestName(guest.id);
    let renamed = 0;
    for (;;) {
      const page = Math.min(RENAME_PAGE, budget - renamed);
      if (page <= 0) return { retired: false, renamed };
      const changed = await store.renameAuthor(guest.id, name, page);
      renamed += changed;
      if (changed < page) break;
    }
    return { retired: await store.retireGuest(guest.id, name, now), renamed };
  }
}

/**
 * `former-guest-` and 11 base-36 digits of a hash of the id: a valid username
 * of 24 characters, the same for the account and its messages whichever node
 * retires it. Two guests share one with a chance of about 2^-56 per pair.
 */
export function formerGuestName(userId: UserId): string {
  const digits = BigInt(`0x${createHash('sha256').update(userId).digest('hex')}`).toString(36);
  return `${FORMER_GUEST_PREFIX}${digits.slice(0, 11)}`;
}
