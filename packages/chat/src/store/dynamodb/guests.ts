/**
 * Guest expiry on DynamoDB. A guest's user item sits in the sparse `GUESTS`
 * partition of gsi1, sorted by its last activity, until it is retired; each of
 * a guest's messages has an `AUTHORED#` item under the guest, written with the
 * message, so renaming them needs no scan. Renaming goes a page at a time and
 * deletes each pointer after its message is renamed: a retirement cut short
 * (a Lambda timeout) resumes where it stopped, and repeating a step is harmless.
 */
import { ChatError } from '../../domain/errors.ts';
import type { RoomId, User, UserId } from '../../domain/types.ts';
import { toUser, type UserItem } from './items.ts';
import { cancelled, type DynamoTable } from './table.ts';
import { GSI1, GSI1_GUESTS, guestActivityKey, keys } from './table-design.ts';

interface AuthoredItem {
  roomId: RoomId;
  seq: number;
}

export class DynamoGuests {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async recordGuestActivity(userId: UserId, at: number, unlessSince: number): Promise<void> {
    const table = this.#table;
    await table.run(() =>
      table.updateIfHeld({
        Key: keys.user(userId),
        UpdateExpression: 'SET #lastSeenAt = :at, #gsi1sk = :key',
        // Only guests still listed: never adds a registered user or a retired guest to the index.
        // A guest seen since `unlessSince` is left as it is, and its index entry with it.
        ConditionExpression: '#gsi1pk = :guests AND (attribute_not_exists(#lastSeenAt) OR #lastSeenAt < :since)',
        ExpressionAttributeNames: { '#lastSeenAt': 'lastSeenAt', '#gsi1sk': 'gsi1sk', '#gsi1pk': 'gsi1pk' },
        ExpressionAttributeValues: {
          ':at': at,
          ':key': guestActivityKey(at, userId),
          ':guests': GSI1_GUESTS,
          ':since': unlessSince,
        },
      }),
    );
  }

  async listIdleGuests(idleBefore: number, limit: number): Promise<User[]> {
    return this.#table.run(async () => {
      const items = await this.#table.query<UserItem>(
        {
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :guests AND gsi1sk < :before',
          ExpressionAttributeValues: { ':guests': GSI1_GUESTS, ':before': guestActivityKey(idleBefore, '') },
        },
        limit,
      );
      return items.map((item) => toUser(item)!);
    });
  }

  async renameAuthor(userId: UserId, name: string, limit: number): Promise<number> {
    const table = this.#table;
    return table.run(async () => {
      const authored = await table.query<AuthoredItem>(
        {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :authored)',
          ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':authored': 'AUTHORED#' },
        },
        limit,
      );
      for (const { roomId, seq, sk } of authored) {
        await table.updateIfHeld({
          Key: keys.message(roomId, seq),
          UpdateExpression: 'SET #authorName = :name',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#authorName': 'authorName' },
          ExpressionAttributeValues: { ':name': name },
        });
        await table.transact([table.delete({ pk: keys.user(userId).pk, sk })]);
      }
      return authored.length;
    });
  }

  async retireGuest(userId: UserId, formerName: string, at: number): Promise<boolean> {
    const table = this.#table;
    return table.run(async () => {
      const user = await table.get<UserItem & { retiredAt?: number }>(keys.user(userId));
      if (!user?.guest || user.retiredAt !== undefined) return false;
      const record: User = { id: user.id, username: formerName, guest: true, createdAt: user.createdAt };
      const reasons = await table.transact([
        {
          Update: {
            TableName: table.name,
            Key: keys.user(userId),
            UpdateExpression: 'SET #username = :name, #retiredAt = :at REMOVE #gsi1pk, #gsi1sk',
            ConditionExpression: 'attribute_not_exists(#retiredAt)',
            ExpressionAttributeNames: {
              '#username': 'username',
              '#retiredAt': 'retiredAt',
              '#gsi1pk': 'gsi1pk',
              '#gsi1sk': 'gsi1sk',
            },
            ExpressionAttributeValues: { ':name': formerName, ':at': at },
          },
        },
        table.delete(keys.username(user.username)),
        table.put({ ...keys.username(formerName), ...record }, 'attribute_not_exists(pk)'),
      ]);
      if (reasons?.[0] === 'ConditionalCheckFailed') return false;
      if (reasons?.[2] === 'ConditionalCheckFailed') throw new ChatError('USERNAME_TAKEN');
      if (reasons) throw cancelled(reasons);
      return true;
    });
  }
}
