/** The `members` route on AWS Lambda. */
import { membersHandler } from '../../handlers/members.ts';
import { webSocketRoute } from '../lambda-handler.ts';

export const handler = webSocketRoute(membersHandler);
