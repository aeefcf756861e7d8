/**
 * Channel names: 1 to 128 characters from `A-Z a-z 0-9 _ . : @ / -`. Enough for
 * namespaced names such as `room:42`, `user@example.com` or `tenant/orders`, and
 * nothing that needs escaping in logs, metrics or Redis channel names. In a URL
 * path the name is one segment, so `/` is written `%2F` there.
 */
import { ManagementApiError, ManagementErrorType } from '../management/errors.ts';

const CHANNEL_NAME = /^[A-Za-z0-9_.:@/-]{1,128}$/;

export function isValidChannelName(name: string): boolean {
  return CHANNEL_NAME.test(name);
}

/** Throws `BadRequestException` (400) naming the rule when `name` breaks it. */
export function assertChannelName(name: string): void {
  if (typeof name === 'string' && CHANNEL_NAME.test(name)) return;
  throw new ManagementApiError(
    ManagementErrorType.badRequest,
    'Invalid channel name: use 1 to 128 characters from A-Z a-z 0-9 _ . : @ / -',
  );
}
