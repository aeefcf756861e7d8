/** The `$connect` route on AWS Lambda. */
import { connectHandler } from '../../handlers/connect.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(connectHandler);
