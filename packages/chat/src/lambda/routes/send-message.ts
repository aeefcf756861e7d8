/** The `sendMessage` route on AWS Lambda. */
import { sendMessageHandler } from '../../handlers/send-message.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(sendMessageHandler);
