/** The `replyInThread` route on AWS Lambda. */
import { replyInThreadHandler } from '../../handlers/reply-in-thread.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(replyInThreadHandler, { store: tableStore, poster: connectionPoster });
