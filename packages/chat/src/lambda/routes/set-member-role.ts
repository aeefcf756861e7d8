/** The `setMemberRole` route on AWS Lambda. */
import { setMemberRoleHandler } from '../../handlers/set-member-role.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(setMemberRoleHandler, { store: tableStore, poster: connectionPoster });
