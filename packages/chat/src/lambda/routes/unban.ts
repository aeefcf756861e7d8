/** The `unban` route on AWS Lambda. */
import { unbanHandler } from '../../handlers/unban.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(unbanHandler, { store: tableStore });
