/** The `removeReaction` route on AWS Lambda. */
import { removeReactionHandler } from '../../handlers/remove-reaction.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(removeReactionHandler, { store: tableStore, poster: connectionPoster });
