/** The `openGroup` route on AWS Lambda. */
import { openGroupHandler } from '../../handlers/open-group.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(openGroupHandler, { store: tableStore, poster: connectionPoster });
