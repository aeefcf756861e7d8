/** The `$disconnect` route on AWS Lambda. */
import { disconnectHandler } from '../../handlers/disconnect.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(disconnectHandler);
