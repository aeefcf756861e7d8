/** The `ban` route on AWS Lambda. */
import { banHandler } from '../../handlers/ban.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(banHandler, { store: tableStore, poster: connectionPoster });
