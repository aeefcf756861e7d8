/**
 * Group direct conversations: 3 to 8 people, the starter included, who talk
 * where nobody else can read them. A group is a `direct` room with more than
 * two members: like a two-person one it is never listed, joined or left, and
 * its id comes from its people (`groupRoomId`), so opening the same people
 * again, by anyone of them and from any node, finds the same conversation.
 */
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import type { ConnectionId, RoomSummary, User, UserId } from '../types.ts';
import { groupRoomId } from '../views.ts';
import type { ServiceContext } from './context.ts';
import { announceConversation } from './conversation-start.ts';

export class GroupService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Opens (or finds) the conversation of the caller and `userIds`, the other
   * people; each of them is told with a `roomJoined` when it is new. Counted
   * with joins and direct conversations (the `membership` rate limit).
   * Errors: RATE_LIMITED, GROUP_SIZE, DUPLICATE_MEMBER, USER_NOT_FOUND, ACCOUNT_DEACTIVATED (someone's).
   */
  async openGroup(userId: UserId, userIds: readonly UserId[], origin?: ConnectionId): Promise<RoomSummary> {
    const context = this.#context;
    await context.limits.take('membership', userId);
    await context.requireUser(userId);
    const people = userIds.length + 1;
    if (people < ChatLimits.groupMinMembers || people > ChatLimits.groupMaxMembers) {
      throw new ChatError('GROUP_SIZE');
    }
    const others = new Set(userIds);
    if (others.size !== userIds.length || others.has(userId)) throw new ChatError('DUPLICATE_MEMBER');
    const users = (await Promise.all(userIds.map((id) => context.store.getUser(id)))).filter(
      (user): user is User => user !== undefined,
    );
    if (users.length !== userIds.length) throw new ChatError('USER_NOT_FOUND');
    await context.requireActive(users);
    const memberIds: [UserId, ...UserId[]] = [userId, ...userIds];
    const { room, created } = await context.store.openDirect({
      id: groupRoomId(memberIds),
      userIds: memberIds,
      createdAt: context.clock.now(),
    });
    const summary = await context.summary(userId, room.id);
    if (created) await announceConversation(context, room.id, memberIds, summary, origin);
    return summary;
  }
}
