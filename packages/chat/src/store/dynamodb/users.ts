/**
 * Users and credentials on DynamoDB. A username is unique through a guard item
 * (`USERNAME#<lower>`) written with the user in one transaction under
 * `attribute_not_exists(pk)`; the guard holds the user, so a log-in reads one item.
 */
import { ChatError } from '../../domain/errors.ts';
import type { User, UserId } from '../../domain/types.ts';
import type { NewUser, Page } from '../../ports/chat-store.ts';
import { toUser, type UserItem } from './items.ts';
import { cancelled, type DynamoTable, type Transaction } from './table.ts';
import { GSI1, GSI1_GUESTS, GSI1_USERS, guestActivityKey, keys } from './table-design.ts';

export class DynamoUsers {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async createUser(user: NewUser): Promise<User> {
    const table = this.#table;
    return table.run(async () => {
      const record: User = { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
      // A guest is listed in the idle-guest index from the start (gsi1 `GUESTS`).
      const guest = user.guest
        ? { lastSeenAt: user.createdAt, gsi1pk: GSI1_GUESTS, gsi1sk: guestActivityKey(user.createdAt, user.id) }
        : {};
      const items: Transaction = [
        // The guard item is also the user's entry in the username index (gsi1 `USERS`) that `findUsers` reads.
        table.put(
          { ...keys.username(user.username), ...record, gsi1pk: GSI1_USERS, gsi1sk: user.username },
          'attribute_not_exists(pk)',
        ),
        table.put({ ...keys.user(user.id), ...record, ...guest }, 'attribute_not_exists(pk)'),
      ];
      if (user.passwordHash !== undefined) {
        items.push(table.put({ ...keys.credential(user.id), passwordHash: user.passwordHash }));
      }
      const reasons = await table.transact(items);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new ChatError('USERNAME_TAKEN');
      if (reasons) throw cancelled(reasons);
      return record;
    });
  }

  async getUser(id: UserId): Promise<User | undefined> {
    return this.#table.run(async () => toUser(await this.#table.get<UserItem>(keys.user(id))));
  }

  async getUserByUsername(username: string): Promise<User | undefined> {
    return this.#table.run(async () => toUser(await this.#table.get<UserItem>(keys.username(username))));
  }

  async findUsers(prefix: string, page: Page<string>): Promise<User[]> {
    const table = this.#table;
    return table.run(async () => {
      // BETWEEN is inclusive: the page's start is read too when it has the prefix, and dropped.
      const from = page.after !== undefined && page.after > prefix ? page.after : prefix;
      const to = `${prefix}\uffff`;
      // A page that starts past every name with the prefix is empty (DynamoDB refuses BETWEEN a later and an earlier key).
      if (from > to) return [];
      const found = await table.query<UserItem>(
        {
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :partition AND gsi1sk BETWEEN :from AND :to',
          // Usernames are ASCII: every one that starts with the prefix sorts below it followed by U+FFFF.
          ExpressionAttributeValues: { ':partition': GSI1_USERS, ':from': from, ':to': to },
        },
        page.limit + 1,
      );
      return found
        .filter((item) => item.username !== page.after)
        .slice(0, page.limit)
        .map((item) => toUser(item)!);
    });
  }

  async setPasswordHash(userId: UserId, passwordHash: string): Promise<void> {
    const table = this.#table;
    await table.run(() =>
      table.updateIfHeld({
        Key: keys.credential(userId),
        UpdateExpression: 'SET #hash = :hash',
        // Never creates a credential: guests and unknown users have none.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#hash': 'passwordHash' },
        ExpressionAttributeValues: { ':hash': passwordHash },
      }),
    );
  }

  /** A conditional put: of two deactivations at once, one is the one that did it. */
  async deactivate(userId: UserId, at: number): Promise<boolean> {
    const table = this.#table;
    return table.run(async () => {
      const reasons = await table.transact([
        table.put({ ...keys.deactivated(userId), at }, 'attribute_not_exists(pk)'),
      ]);
      if (reasons?.[0] === 'ConditionalCheckFailed') return false;
      if (reasons) throw cancelled(reasons);
      return true;
    });
  }

  async deactivation(userId: UserId): Promise<number | undefined> {
    return this.#table.run(async () => (await this.#table.get<{ at: number }>(keys.deactivated(userId)))?.at);
  }

  async getPasswordHash(userId: UserId): Promise<string | undefined> {
    return this.#table.run(
      async () => (await this.#table.get<{ passwordHash: string }>(keys.credential(userId)))?.passwordHash,
    );
  }
}
