/** The `thread` route on AWS Lambda. */
import { threadHandler } from '../../handlers/thread.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(threadHandler, { store: tableStore });
