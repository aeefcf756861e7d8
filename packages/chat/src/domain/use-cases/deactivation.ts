/**
 * Deactivating accounts: a server admin's decision (`CHAT_ADMINS`). The
 * account can no longer sign in (`ACCOUNT_DEACTIVATED`), every session of it
 * ends (so its tokens stop working: refresh and `$connect` check the session),
 * and its open connections are closed. Its messages and memberships stay, as a
 * record of what was said. Written to the audit log of every room.
 */
import { ChatError } from '../errors.ts';
import type { UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export class DeactivationService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Deactivates the account; again (already deactivated) ends its sessions and
   * connections again and changes nothing else.
   * Errors: RATE_LIMITED (shared with edits), NOT_SERVER_ADMIN, USER_NOT_FOUND, BAD_REQUEST (yourself).
   */
  async deactivate(adminId: UserId, targetId: UserId): Promise<void> {
    const context = this.#context;
    await context.limits.take('edit', adminId);
    if (!(await context.isServerAdmin(adminId))) throw new ChatError('NOT_SERVER_ADMIN');
    if (targetId === adminId) throw new ChatError('BAD_REQUEST', 'You cannot deactivate your own account.');
    const target = await context.store.getUser(targetId);
    if (!target) throw new ChatError('USER_NOT_FOUND');
    const changed = await context.store.deactivateUser(targetId, context.clock.now());
    if (changed) {
      await context.recordModeration(adminId, null, 'userDeactivated', target, null);
    }
    await context.endSessions(targetId);
  }
}
