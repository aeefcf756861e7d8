/** The `threads` route on AWS Lambda. */
import { threadsHandler } from '../../handlers/threads.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(threadsHandler, { store: tableStore });
