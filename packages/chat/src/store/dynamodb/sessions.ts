/**
 * Sessions on DynamoDB: a `SESSION#<id>` item finds a token's session, and a
 * `USER#<id>` / `SESSION#<id>` item lists a user's sessions (to end them all);
 * both are written and deleted together and carry a TTL, so expired sessions
 * disappear by themselves.
 */
import type { SessionRecord, UserId } from '../../domain/types.ts';
import { epochSeconds } from './items.ts';
import { cancelled, type DynamoTable } from './table.ts';
import { keys } from './table-design.ts';

interface SessionItem {
  id: string;
  userId: UserId;
  createdAt: number;
  /** ms; `expiresAt` (seconds) is the TTL attribute. */
  endsAt: number;
}

export class DynamoSessions {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async createSession(session: SessionRecord): Promise<void> {
    const table = this.#table;
    await table.run(async () => {
      const item = {
        id: session.id,
        userId: session.userId,
        createdAt: session.createdAt,
        endsAt: session.expiresAt,
        expiresAt: epochSeconds(session.expiresAt),
      };
      const reasons = await table.transact([
        table.put({ ...keys.session(session.id), ...item }),
        table.put({ ...keys.userSession(session.userId, session.id), ...item }),
      ]);
      if (reasons) throw cancelled(reasons);
    });
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return this.#table.run(async () => {
      const item = await this.#table.get<SessionItem>(keys.session(id));
      return item && { id: item.id, userId: item.userId, createdAt: item.createdAt, expiresAt: item.endsAt };
    });
  }

  async deleteSession(id: string): Promise<void> {
    const table = this.#table;
    await table.run(async () => {
      const item = await table.get<SessionItem>(keys.session(id));
      if (!item) return;
      const reasons = await table.transact([
        table.delete(keys.session(id)),
        table.delete(keys.userSession(item.userId, id)),
      ]);
      if (reasons) throw cancelled(reasons);
    });
  }

  async deleteUserSessions(userId: UserId): Promise<void> {
    const table = this.#table;
    await table.run(async () => {
      const sessions = await table.query<SessionItem>({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :session)',
        ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':session': 'SESSION#' },
      });
      for (const { id } of sessions) {
        const reasons = await table.transact([
          table.delete(keys.session(id)),
          table.delete(keys.userSession(userId, id)),
        ]);
        if (reasons) throw cancelled(reasons);
      }
    });
  }
}
