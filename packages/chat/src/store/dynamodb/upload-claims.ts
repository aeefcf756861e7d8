/**
 * Upload claims on DynamoDB: one item per attached upload under its room
 * (`ROOM#<id>` / `UPLOAD#<authorId>#<fileId>`), naming the send that took it.
 * A send's claims are one conditional write: an Update for a single file, a
 * `TransactWriteItems` for several, so a send whose second file is another
 * send's leaves its first one free.
 */
import type { UploadClaim } from '../../ports/chat-store.ts';
import { backoff, cancelled, contended, type DynamoTable, type UpdateInput } from './table.ts';
import { keys } from './table-design.ts';

export class DynamoUploadClaims {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async claimUploads({ roomId, authorId, fileIds, clientMessageId, at }: UploadClaim): Promise<string | undefined> {
    const table = this.#table;
    const updates = fileIds.map((fileId) =>
      claimUpdate(keys.uploadClaim(roomId, authorId, fileId), clientMessageId, at),
    );
    return table.run(async () => {
      if (updates.length === 1) return (await table.updateIfHeld(updates[0]!)) ? undefined : fileIds[0];
      for (let attempt = 1; ; attempt++) {
        const reasons = await table.transact(
          updates.map((update) => ({ Update: { TableName: table.name, ...update } })),
        );
        if (!reasons) return undefined;
        const refused = reasons.indexOf('ConditionalCheckFailed');
        if (refused >= 0) return fileIds[refused];
        // Another send's transaction on the same claims was running (TransactionConflict): it
        // decides who holds them, so ask again once it is done.
        if (!reasons.every((code) => code === 'None' || code === 'TransactionConflict')) throw cancelled(reasons);
        if (attempt >= table.settings.maxWriteAttempts) throw contended();
        await backoff(attempt);
      }
    });
  }
}

/** An update that can also be a transaction's item. */
type ClaimUpdate = UpdateInput & Required<Pick<UpdateInput, 'Key' | 'UpdateExpression'>>;

/** Takes the claim item `key` when it is free, or (with a client message id) when this send holds it. */
function claimUpdate(key: ClaimUpdate['Key'], clientMessageId: string | null, at: number): ClaimUpdate {
  return clientMessageId === null
    ? {
        Key: key,
        UpdateExpression: 'SET #claimedAt = :at',
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeNames: { '#claimedAt': 'claimedAt' },
        ExpressionAttributeValues: { ':at': at },
      }
    : {
        Key: key,
        // Free, or taken by this very send (a repeat): the item is then left as it was.
        UpdateExpression: 'SET #send = :send, #claimedAt = if_not_exists(#claimedAt, :at)',
        ConditionExpression: 'attribute_not_exists(pk) OR #send = :send',
        ExpressionAttributeNames: { '#send': 'clientMessageId', '#claimedAt': 'claimedAt' },
        ExpressionAttributeValues: { ':send': clientMessageId, ':at': at },
      };
}
