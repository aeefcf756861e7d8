/**
 * What opening a new direct conversation (of two, or a group) does once it is
 * stored: every member's open connections join its channel, and every member
 * hears of it with a `roomJoined`, the starter on their other connections only
 * (the starter's own connection gets it as the answer).
 */
import type { ConnectionId, RoomId, RoomSummary, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export async function announceConversation(
  context: ServiceContext,
  roomId: RoomId,
  /** Its members, the starter first. */
  memberIds: readonly [UserId, ...UserId[]],
  /** The conversation as the starter sees it. */
  starterView: RoomSummary,
  origin?: ConnectionId,
): Promise<void> {
  const [starterId, ...others] = memberIds;
  for (const memberId of memberIds) {
    for (const { connectionId } of await context.store.listUserConnections(memberId)) {
      await context.guard('subscribe', () => context.broadcaster.subscribe(connectionId, [roomId]));
    }
  }
  for (const memberId of others) {
    await context.sendToUser(memberId, { type: 'roomJoined', room: await context.summary(memberId, roomId) });
  }
  await context.sendToUser(starterId, { type: 'roomJoined', room: starterView }, origin);
}
