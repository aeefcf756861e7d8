/** The `$disconnect` route on AWS Lambda. */
import { disconnectHandler } from '../../handlers/disconnect.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(disconnectHandler, { store: tableStore, poster: connectionPoster });
