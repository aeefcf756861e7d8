/**
 * `@connections` errors in the AWS SDK's own shape (spec 3.2): `name` is the
 * error type (`GoneException`, ...), `$metadata.httpStatusCode` the status, so
 * handler code written for AWS (`err.name === 'GoneException'`) works with the
 * in-process client as with the real SDK against our HTTP API.
 */

export const ManagementErrorType = {
  badRequest: 'BadRequestException',
  forbidden: 'ForbiddenException',
  gone: 'GoneException',
  payloadTooLarge: 'PayloadTooLargeException',
  limitExceeded: 'LimitExceededException',
} as const;

export type ManagementErrorType = (typeof ManagementErrorType)[keyof typeof ManagementErrorType];

const STATUS: Record<ManagementErrorType, number> = {
  BadRequestException: 400,
  ForbiddenException: 403,
  GoneException: 410,
  PayloadTooLargeException: 413,
  LimitExceededException: 429,
};

/** The service model's documentation strings, used as messages (spec 3.2). */
const DEFAULT_MESSAGE: Record<ManagementErrorType, string> = {
  BadRequestException: 'Invalid connectionId',
  ForbiddenException: 'Forbidden',
  GoneException: 'The connection with the provided id no longer exists.',
  PayloadTooLargeException: 'The data has exceeded the maximum size allowed.',
  LimitExceededException:
    'The client is sending more than the allowed number of requests per unit of time or the WebSocket client side buffer is full.',
};

export class ManagementApiError extends Error {
  override readonly name: ManagementErrorType;
  readonly $fault = 'client' as const;
  readonly $metadata: { httpStatusCode: number; requestId?: string };

  constructor(type: ManagementErrorType, message = DEFAULT_MESSAGE[type], requestId?: string) {
    super(message);
    this.name = type;
    this.$metadata = { httpStatusCode: STATUS[type], ...(requestId ? { requestId } : {}) };
  }

  get statusCode(): number {
    return this.$metadata.httpStatusCode;
  }
}
