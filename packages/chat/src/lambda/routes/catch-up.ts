/** The `catchUp` route on AWS Lambda. */
import { catchUpHandler } from '../../handlers/catch-up.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(catchUpHandler, { store: tableStore });
