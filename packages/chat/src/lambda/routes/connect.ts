/** The `$connect` route on AWS Lambda. */
import { connectHandler } from '../../handlers/connect.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(connectHandler, { store: tableStore, poster: connectionPoster });
