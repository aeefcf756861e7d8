/**
 * The rooms' read markers: how far the user has read each room as the server
 * keeps it (a room's unread and mention counts follow it), moved forward as the
 * user reads the active room and back by `markUnread`. The positions go out
 * through `ReadReceipts` (read-receipts.ts), at most one per room per interval;
 * the marker the server answers with is taken with what the user has read
 * since, so the counts do not flicker back while a position waits to go out.
 */
import type { Message, ReadMessage, RoomId, RoomSummary } from '@switchboard/chat/api';
import type { ChatConnection } from '../connection/chat-connection.ts';
import type { ChatStateStore } from './chat-state.ts';
import { mentionsUser } from './mentions.ts';
import { ReadReceipts, type ReadReceiptsOptions } from './read-receipts.ts';

export class ReadMarkers {
  readonly #store: ChatStateStore;
  readonly #connection: ChatConnection;
  readonly #isReading: () => boolean;
  readonly #receipts: ReadReceipts;

  /** `isReading`: whether the user can see the active room now; `timing`: how often positions go out. */
  constructor(
    store: ChatStateStore,
    connection: ChatConnection,
    isReading: () => boolean,
    timing: Omit<ReadReceiptsOptions, 'send'>,
  ) {
    this.#store = store;
    this.#connection = connection;
    this.#isReading = isReading;
    this.#receipts = new ReadReceipts({
      ...timing,
      send: (roomId, seq) => {
        if (this.#connection.state !== 'online' || this.#store.room(roomId) === undefined) return false;
        this.#store.load(this.#connection.request({ action: 'markRead', roomId, seq }));
        return true;
      },
    });
  }

  /**
   * The user has seen the room up to its latest event, if it is the active room
   * and the page is visible: the server's read marker moves there, at most once
   * per `readReceiptIntervalMs` (the latest position always goes out).
   */
  markRead(roomId: RoomId): void {
    if (this.#store.state.keptUnread === roomId) return;
    const room = this.#store.room(roomId);
    if (room === undefined || room.lastReadSeq >= room.lastSeq) return;
    if (this.#store.state.activeRoomId !== roomId || !this.#isReading()) return;
    this.#receipts.read(roomId, room.lastSeq);
  }

  /**
   * Marks the room unread from `message` on (docs/protocol.md, "markUnread"): the server's
   * marker moves back before it, the "new messages" divider shows above it, and the room
   * is not marked read again while it stays open; opening it again reads it as usual.
   */
  async markUnread(message: Message): Promise<void> {
    const { roomId } = message;
    this.#receipts.forget(roomId);
    this.#store.set({ newSince: { roomId, afterSeq: message.seq - 1 }, keptUnread: roomId });
    const answer = await this.#connection.request({ action: 'markUnread', roomId, seq: message.seq });
    if (answer.type === 'read') this.onRead(answer);
  }

  /**
   * The server's marker (an answer, or another device's). Read receipts lag
   * behind what the user has seen by up to their interval: the messages read
   * since the marker's position are not counted as unread meanwhile.
   *
   * A marker that moved back was marked unread, here or on another device
   * (`markRead` never moves it back): what this page read and has not sent yet
   * is dropped, and if the room is open here, it is kept unread as after this
   * page's own `markUnread`, instead of being read again at once.
   */
  onRead({ roomId, lastReadSeq, unread, mentions }: ReadMessage): void {
    this.#keepMovedBack(roomId, lastReadSeq);
    const readUpTo = this.#receipts.position(roomId);
    const me = this.#store.state.me?.id;
    const seen =
      readUpTo > lastReadSeq
        ? this.#store
            .timeline(roomId)
            .messages.filter(
              (message) =>
                message.seq > lastReadSeq &&
                message.seq <= readUpTo &&
                message.authorId !== me &&
                message.deletedAt === null,
            )
        : [];
    const seenMentions = seen.filter((message) => mentionsUser(message, me)).length;
    this.#store.updateRoom(roomId, {
      lastReadSeq,
      unread: Math.max(0, unread - seen.length),
      mentions: Math.max(0, mentions - seenMentions),
    });
  }

  /**
   * Rooms as the server lists them after a reconnect (a `welcome`, a page of `listRooms`),
   * before they replace what the page knew: a marker below the one the server confirmed
   * before was moved back while this page was away (`markUnread` on another device), and
   * is kept as `onRead` keeps one, not read again at once.
   */
  listed(rooms: readonly RoomSummary[]): void {
    for (const room of rooms) this.#keepMovedBack(room.id, room.lastReadSeq);
  }

  /** A marker that moved back drops what this page read and has not sent, and keeps the open room unread. */
  #keepMovedBack(roomId: RoomId, lastReadSeq: number): void {
    const previous = this.#store.room(roomId)?.lastReadSeq;
    if (previous === undefined || lastReadSeq >= previous) return;
    this.#receipts.forget(roomId);
    if (this.#store.state.activeRoomId === roomId) {
      this.#store.set({ newSince: { roomId, afterSeq: lastReadSeq }, keptUnread: roomId });
    }
  }

  /** Sends the positions waiting for their interval, of one room or all (the user left it, the page is hidden, back online). */
  flush(roomId?: RoomId): void {
    this.#receipts.flush(roomId);
  }

  /** Forgets a room's positions (left, or its data replaced: positions sent before mean nothing now). */
  forget(roomId: RoomId): void {
    this.#receipts.forget(roomId);
  }

  /** Sends what is waiting, then sends nothing more. */
  stop(): void {
    this.#receipts.flush();
    this.#receipts.stop();
  }
}
