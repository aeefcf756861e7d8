/** The `typing` route on AWS Lambda. */
import { typingHandler } from '../../handlers/typing.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(typingHandler);
