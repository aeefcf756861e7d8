/** The `history` route on AWS Lambda. */
import { historyHandler } from '../../handlers/history.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(historyHandler, { store: tableStore });
