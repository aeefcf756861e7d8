/** The `openDirect` route on AWS Lambda. */
import { openDirectHandler } from '../../handlers/open-direct.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(openDirectHandler, { store: tableStore, poster: connectionPoster });
