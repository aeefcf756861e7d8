/**
 * The error frames API Gateway sends to a client, byte for byte (spec 2, "Common
 * frame template"): a space after `"message":`, none after `"connectionId":` or
 * `"requestId":`.
 */
export const ErrorFrameMessage = {
  /** No route matched and there is no `$default` route (checklist 38, 39). */
  forbidden: 'Forbidden',
  /** The integration threw or failed (checklist 43). */
  internalServerError: 'Internal server error',
  /** The integration did not answer within its timeout (checklist 44). */
  endpointTimedOut: 'Endpoint request timed out',
  /** The body failed the route's request model (checklist 84). */
  invalidRequestBody: 'Invalid request body',
  /**
   * The route's throttle refused the message. AWS's text is unverified (spec 4);
   * we send the text of API Gateway's HTTP 429 body. Documented in docs/gateway.md.
   */
  tooManyRequests: 'Too Many Requests',
} as const;

export type ErrorFrameMessage = (typeof ErrorFrameMessage)[keyof typeof ErrorFrameMessage];

export function errorFrame(message: ErrorFrameMessage, connectionId: string, requestId: string): string {
  return `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`;
}
