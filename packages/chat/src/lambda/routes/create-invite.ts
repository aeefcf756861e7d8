/** The `createInvite` route on AWS Lambda. */
import { createInviteHandler } from '../../handlers/create-invite.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(createInviteHandler, { store: tableStore });
