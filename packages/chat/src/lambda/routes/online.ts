/** The `online` route on AWS Lambda. */
import { onlineHandler } from '../../handlers/online.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(onlineHandler, { store: tableStore });
