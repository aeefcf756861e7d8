/** The user a request names: `userId` or `username` (the request's model allows exactly one). */
import type { UserTarget } from '../domain/types.ts';

export function userTargetOf(request: { userId: string } | { username: string }): UserTarget {
  return 'userId' in request ? { userId: request.userId } : { username: request.username };
}
