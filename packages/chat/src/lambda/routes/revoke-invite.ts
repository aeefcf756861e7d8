/** The `revokeInvite` route on AWS Lambda. */
import { revokeInviteHandler } from '../../handlers/revoke-invite.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(revokeInviteHandler, { store: tableStore });
