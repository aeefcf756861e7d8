/**
 * Invite links on DynamoDB: one item per invite (`INVITE#<id>` / `INVITE`),
 * listed per room through gsi1 (`INVITES#<roomId>`, newest first by creation
 * time). The index projects only the id, so a listing reads the items
 * themselves (uses and revocation change). Uses are counted with one
 * conditional update: its condition is the invite being usable, so concurrent
 * redemptions never pass `maxUses`.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RoomId } from '../../domain/types.ts';
import type { StoredInvite } from '../../ports/chat-store.ts';
import { type DynamoTable, isConditionalFailure } from './table.ts';
import { GSI1, gsi1Invites, inviteListKey, keys } from './table-design.ts';

/** The stored item: the invite with absent `revokedAt` for `null`. */
type InviteItem = Omit<StoredInvite, 'revokedAt'> & { revokedAt?: number };

export class DynamoInvites {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async createInvite(invite: StoredInvite): Promise<void> {
    const table = this.#table;
    const { revokedAt, ...item } = invite;
    await table.run(() =>
      table.doc.send(
        new PutCommand({
          TableName: table.name,
          Item: {
            ...keys.invite(invite.id),
            ...item,
            ...(revokedAt === null ? {} : { revokedAt }),
            gsi1pk: gsi1Invites(invite.roomId),
            gsi1sk: inviteListKey(invite.createdAt, invite.id),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getInvite(id: string): Promise<StoredInvite | undefined> {
    return this.#table.run(async () => toInvite(await this.#table.get<InviteItem>(keys.invite(id))));
  }

  async consumeInvite(id: string, at: number): Promise<StoredInvite | undefined> {
    return this.#update(id, {
      UpdateExpression: 'SET #uses = #uses + :one',
      ConditionExpression:
        'attribute_exists(pk) AND attribute_not_exists(#revokedAt) AND #expiresAt > :at AND #uses < #maxUses',
      ExpressionAttributeNames: {
        '#uses': 'uses',
        '#revokedAt': 'revokedAt',
        '#expiresAt': 'expiresAt',
        '#maxUses': 'maxUses',
      },
      ExpressionAttributeValues: { ':one': 1, ':at': at },
    });
  }

  async revokeInvite(id: string, at: number): Promise<StoredInvite | undefined> {
    return this.#update(id, {
      UpdateExpression: 'SET #revokedAt = if_not_exists(#revokedAt, :at)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#revokedAt': 'revokedAt' },
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async listRoomInvites(roomId: RoomId, limit: number): Promise<StoredInvite[]> {
    const table = this.#table;
    return table.run(async () => {
      const listed = await table.query<{ id: string }>(
        {
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :partition',
          ExpressionAttributeValues: { ':partition': gsi1Invites(roomId) },
          ScanIndexForward: false,
        },
        limit,
      );
      const items = new Map(
        (await table.batchGet<InviteItem>(listed.map(({ id }) => keys.invite(id)))).map((item) => [item.id, item]),
      );
      return listed.flatMap(({ id }) => {
        const invite = toInvite(items.get(id));
        return invite ? [invite] : [];
      });
    });
  }

  /** A conditional update of an invite: the invite after it, or `undefined` when the condition failed. */
  async #update(
    id: string,
    update: Pick<
      ConstructorParameters<typeof UpdateCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<StoredInvite | undefined> {
    const table = this.#table;
    return table.run(async () => {
      try {
        const { Attributes } = await table.doc.send(
          new UpdateCommand({ TableName: table.name, Key: keys.invite(id), ...update, ReturnValues: 'ALL_NEW' }),
        );
        return toInvite(Attributes as InviteItem);
      } catch (error) {
        if (isConditionalFailure(error)) return undefined;
        throw error;
      }
    });
  }
}

function toInvite(item: InviteItem | undefined): StoredInvite | undefined {
  return (
    item && {
      id: item.id,
      roomId: item.roomId,
      secretHash: item.secretHash,
      createdBy: item.createdBy,
      createdAt: item.createdAt,
      expiresAt: item.expiresAt,
      maxUses: item.maxUses,
      uses: item.uses,
      revokedAt: item.revokedAt ?? null,
    }
  );
}
