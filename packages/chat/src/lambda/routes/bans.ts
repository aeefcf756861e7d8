/** The `bans` route on AWS Lambda. */
import { bansHandler } from '../../handlers/bans.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(bansHandler, { store: tableStore });
