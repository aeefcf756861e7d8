/** The `markRead` route on AWS Lambda. */
import { markReadHandler } from '../../handlers/mark-read.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(markReadHandler, { store: tableStore, poster: connectionPoster });
