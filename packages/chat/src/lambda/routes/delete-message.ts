/** The `deleteMessage` route on AWS Lambda. */
import { deleteMessageHandler } from '../../handlers/delete-message.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(deleteMessageHandler);
