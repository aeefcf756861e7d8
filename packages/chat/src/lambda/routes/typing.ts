/** The `typing` route on AWS Lambda. */
import { typingHandler } from '../../handlers/typing.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(typingHandler, { store: tableStore, poster: connectionPoster });
