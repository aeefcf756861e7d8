/** The `inviteMember` route on AWS Lambda. */
import { inviteMemberHandler } from '../../handlers/invite-member.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(inviteMemberHandler, { store: tableStore, poster: connectionPoster });
