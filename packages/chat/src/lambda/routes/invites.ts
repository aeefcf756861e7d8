/** The `invites` route on AWS Lambda. */
import { invitesHandler } from '../../handlers/invites.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(invitesHandler, { store: tableStore });
