/** The `members` route on AWS Lambda. */
import { membersHandler } from '../../handlers/members.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(membersHandler, { store: tableStore });
