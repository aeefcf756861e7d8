/** The `online` route on AWS Lambda. */
import { onlineHandler } from '../../handlers/online.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(onlineHandler);
