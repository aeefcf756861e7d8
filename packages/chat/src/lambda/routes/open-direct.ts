/** The `openDirect` route on AWS Lambda. */
import { openDirectHandler } from '../../handlers/open-direct.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(openDirectHandler);
