/**
 * The REQUEST authorizer on `$connect`: verifies the `?token=` session token
 * (browsers cannot set headers on an upgrade) and passes the user and session on
 * as `requestContext.authorizer` to every later event. API Gateway's convention
 * (spec 6): throwing `Error('Unauthorized')` refuses the handshake with 401; any
 * other failure is a 500.
 *
 * It checks only what the token itself proves (signature, expiry, claims) and
 * never reads the store: `$connect` checks that the session is live, so a
 * handshake during a database outage is refused with `$connect`'s 503 rather
 * than an authorizer failure's 500, and a revoked token still gets 401.
 */
import { isChatError } from '../domain/errors.ts';
import type { AuthorizerHandler, ChatHandlerDependencies } from './handler-types.ts';

export function authorizerHandler({ service }: ChatHandlerDependencies): AuthorizerHandler {
  return async (event) => {
    const token = event.queryStringParameters?.token;
    if (!token) throw new Error('Unauthorized');
    let claims: Awaited<ReturnType<typeof service.accounts.verifyToken>>;
    try {
      claims = await service.accounts.verifyToken(token);
    } catch (error) {
      if (isChatError(error, 'UNAUTHENTICATED')) throw new Error('Unauthorized');
      throw error;
    }
    return {
      principalId: claims.userId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
      context: { userId: claims.userId, username: claims.username, guest: claims.guest, sessionId: claims.sessionId },
    };
  };
}
