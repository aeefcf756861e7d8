/** The REQUEST authorizer of `$connect` on AWS Lambda (handlers/authorizer.ts): verifies the token, nothing else. */
import { authorizerHandler } from '../handlers/authorizer.ts';
import { webSocketRoute } from './lambda-handler.ts';
import { tokenService } from './runtime/token-keys.ts';

export const handler = webSocketRoute(authorizerHandler, { tokens: tokenService });
