/** The `removeMember` route on AWS Lambda. */
import { removeMemberHandler } from '../../handlers/remove-member.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(removeMemberHandler, { store: tableStore, poster: connectionPoster });
