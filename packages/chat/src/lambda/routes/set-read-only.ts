/** The `setReadOnly` route on AWS Lambda. */
import { setReadOnlyHandler } from '../../handlers/set-read-only.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(setReadOnlyHandler, { store: tableStore, poster: connectionPoster });
