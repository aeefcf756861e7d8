/** The `markThreadRead` route on AWS Lambda. */
import { markThreadReadHandler } from '../../handlers/mark-thread-read.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(markThreadReadHandler, { store: tableStore, poster: connectionPoster });
