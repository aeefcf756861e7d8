/** The `ping` route on AWS Lambda. */
import { pingHandler } from '../../handlers/ping.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(pingHandler);
