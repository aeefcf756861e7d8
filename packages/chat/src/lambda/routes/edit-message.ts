/** The `editMessage` route on AWS Lambda. */
import { editMessageHandler } from '../../handlers/edit-message.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(editMessageHandler);
