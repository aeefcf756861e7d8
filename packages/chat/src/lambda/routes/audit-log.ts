/** The `auditLog` route on AWS Lambda. */
import { auditLogHandler } from '../../handlers/audit-log.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(auditLogHandler, { store: tableStore });
