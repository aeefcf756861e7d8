/** The `redeemInvite` route on AWS Lambda. */
import { redeemInviteHandler } from '../../handlers/redeem-invite.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { connectionPoster } from '../runtime/connection-posts.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(redeemInviteHandler, { store: tableStore, poster: connectionPoster });
