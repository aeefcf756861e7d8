/**
 * What running a room takes beyond reading and writing in it: its topic and
 * name, roles, removal and bans, read-only, the audit log, visibility, adding
 * people and invite links; and a server admin's deactivation of an account.
 * Most are for the room's owner and admins (docs/protocol.md, "Roles and
 * moderation" and "Private rooms and invites" say who may do which).
 *
 * Kept apart from `ChatClient` (the UI reaches it as `client.admin`) because
 * none of it changes the chat's state directly: each is one request, and what
 * it changes shows when its room event is applied, as for anyone else's change.
 * The pages it reads (bans, the audit log, invites) are the caller's to keep.
 */
import type {
  AuditEntry,
  InviteCreatedMessage,
  InvitesMessage,
  RoomBan,
  RoomId,
  RoomInvite,
  RoomVisibility,
} from '@switchboard/chat/api';
import type { ChatConnection } from '../connection/chat-connection.ts';

export class RoomAdministration {
  readonly #connection: ChatConnection;

  constructor(connection: ChatConnection) {
    this.#connection = connection;
  }

  /** Sets the room's topic (an empty one clears it); the header changes when its `topicChanged` event is applied. */
  async setTopic(roomId: RoomId, topic: string): Promise<void> {
    await this.#connection.request({ action: 'setTopic', roomId, topic });
  }

  /** Renames the room; the sidebar and header change when its `roomRenamed` event is applied. */
  async renameRoom(roomId: RoomId, name: string): Promise<void> {
    await this.#connection.request({ action: 'renameRoom', roomId, name });
  }

  /** The owner makes a member an admin or a plain member again; the list changes when its event is applied. */
  async setMemberRole(roomId: RoomId, userId: string, role: 'admin' | 'member'): Promise<void> {
    await this.#connection.request({ action: 'setMemberRole', roomId, userId, role });
  }

  /**
   * The owner or an admin removes a member (with `ban`, keeps them out until one
   * adds them back); the list changes when its `memberLeft` event is applied.
   */
  async removeMember(roomId: RoomId, userId: string, options: { ban?: boolean } = {}): Promise<void> {
    await this.#connection.request({ action: 'removeMember', roomId, userId, ...(options.ban && { ban: true }) });
  }

  /** A page of the room's bans, by user id (the room's owner and admins). */
  async bans(roomId: RoomId, cursor?: string): Promise<{ bans: RoomBan[]; nextCursor: string | null }> {
    const answer = await this.#connection.request({ action: 'bans', roomId, ...(cursor && { cursor }) });
    return answer.type === 'bans'
      ? { bans: answer.bans, nextCursor: answer.nextCursor ?? null }
      : { bans: [], nextCursor: null };
  }

  /** The owner or an admin bans someone by username, member or not (a member is removed). */
  async ban(roomId: RoomId, username: string): Promise<void> {
    await this.#connection.request({ action: 'ban', roomId, username });
  }

  /** The owner or an admin lifts a ban: the person may join again (they are not added). */
  async unban(roomId: RoomId, userId: string): Promise<void> {
    await this.#connection.request({ action: 'unban', roomId, userId });
  }

  /** The owner or an admin makes the room read-only or open again. */
  async setReadOnly(roomId: RoomId, readOnly: boolean): Promise<void> {
    await this.#connection.request({ action: 'setReadOnly', roomId, readOnly });
  }

  /** A page of the room's moderation log, newest first (the room's owner and admins). */
  async auditLog(roomId: RoomId, cursor?: string): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
    const answer = await this.#connection.request({ action: 'auditLog', roomId, ...(cursor && { cursor }) });
    return answer.type === 'auditLog'
      ? { entries: answer.entries, nextCursor: answer.nextCursor ?? null }
      : { entries: [], nextCursor: null };
  }

  /** A server admin deactivates an account: it is signed out everywhere and cannot sign in again. */
  async deactivateUser(userId: string): Promise<void> {
    await this.#connection.request({ action: 'deactivateUser', userId });
  }

  /** Makes the room public or private (its owner); the change shows when its `visibilityChanged` event is applied. */
  async setRoomVisibility(roomId: RoomId, visibility: RoomVisibility): Promise<void> {
    await this.#connection.request({ action: 'setRoomVisibility', roomId, visibility });
  }

  /** Adds a user to the room by username; they are told live. */
  async inviteMember(roomId: RoomId, username: string): Promise<void> {
    await this.#connection.request({ action: 'inviteMember', roomId, username });
  }

  /** A new invite link's token (shown once) and its details. */
  async createInvite(
    roomId: RoomId,
    options: { expiresInMs: number; maxUses: number },
  ): Promise<{ invite: RoomInvite; token: string }> {
    const answer = (await this.#connection.request({
      action: 'createInvite',
      roomId,
      ...options,
    })) as InviteCreatedMessage;
    return { invite: answer.invite, token: answer.token };
  }

  /** The room's newest invite links, the newest first. */
  async listInvites(roomId: RoomId): Promise<readonly RoomInvite[]> {
    return ((await this.#connection.request({ action: 'invites', roomId })) as InvitesMessage).invites;
  }

  async revokeInvite(inviteId: string): Promise<void> {
    await this.#connection.request({ action: 'revokeInvite', inviteId });
  }
}
