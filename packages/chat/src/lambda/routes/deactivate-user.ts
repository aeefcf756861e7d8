/** The `deactivateUser` route on AWS Lambda. */
import { deactivateUserHandler } from '../../handlers/deactivate-user.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(deactivateUserHandler, { store: tableStore, poster: connectionPoster });
