/**
 * The audit log of moderation on DynamoDB. Each entry of a room is written twice,
 * in one transaction: to its room's log (`AUDIT#<roomId>`), which the room's admins
 * read, and to the log of every room (`AUDIT#*`), which server admins read; both
 * sort by time then id, so a page is one Query, newest first, before a key.
 * Moderation is rare (a person's action, rate limited), so the shared partition
 * stays far from DynamoDB's per-partition write limit. A deactivation (no room) is
 * written to the log of every room only.
 */
import type { AuditEntry, RoomId } from '../../domain/types.ts';
import type { AuditKey, Page } from '../../ports/chat-store.ts';
import { cancelled, type DynamoTable } from './table.ts';
import { auditPartition, auditSortKey, keys } from './table-design.ts';

export class DynamoAuditLog {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async append(entry: AuditEntry): Promise<void> {
    const table = this.#table;
    await table.run(async () => {
      const reasons = await table.transact(
        [...new Set([entry.roomId, null])].map((roomId) =>
          table.put({ ...keys.audit(roomId, entry.at, entry.id), ...entry }),
        ),
      );
      if (reasons) throw cancelled(reasons);
    });
  }

  async list(roomId: RoomId | null, page: Page<AuditKey>): Promise<AuditEntry[]> {
    const table = this.#table;
    return table.run(async () => {
      const before = page.after && auditSortKey(page.after.at, page.after.id);
      const items = await table.query<AuditEntry>(
        {
          KeyConditionExpression: before ? 'pk = :pk AND sk < :before' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': auditPartition(roomId), ...(before && { ':before': before }) },
          ScanIndexForward: false,
          ConsistentRead: false,
        },
        page.limit,
      );
      return items.map(({ id, at, roomId, action, actor, target, detail }) => ({
        id,
        at,
        roomId,
        action,
        actor,
        target,
        detail,
      }));
    });
  }
}
