/** The `markUnread` route on AWS Lambda. */
import { markUnreadHandler } from '../../handlers/mark-unread.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(markUnreadHandler, { store: tableStore, poster: connectionPoster });
