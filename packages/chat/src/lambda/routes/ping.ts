/** The `ping` route on AWS Lambda: it reads the heads of the caller's rooms, and its rate limit. */
import { pingHandler } from '../../handlers/ping.ts';
import { webSocketRoute } from '../lambda-handler.ts';
import { tableStore } from '../runtime/table-store.ts';

export const handler = webSocketRoute(pingHandler, { store: tableStore });
