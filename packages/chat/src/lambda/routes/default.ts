/** The `$default` route on AWS Lambda. */
import { unknownActionHandler } from '../../handlers/unknown-action.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(unknownActionHandler, {});
