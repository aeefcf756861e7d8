/** The REQUEST authorizer of `$connect` on AWS Lambda (handlers/authorizer.ts). */
import { authorizerHandler } from '../handlers/authorizer.ts';
import { webSocketRoute } from './lambda-handler.ts';

export const handler = webSocketRoute(authorizerHandler);
