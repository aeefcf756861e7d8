/** The `markRead` route on AWS Lambda. */
import { markReadHandler } from '../../handlers/mark-read.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(markReadHandler);
