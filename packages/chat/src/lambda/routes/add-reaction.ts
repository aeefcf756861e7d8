/** The `addReaction` route on AWS Lambda. */
import { addReactionHandler } from '../../handlers/add-reaction.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(addReactionHandler, { store: tableStore, poster: connectionPoster });
