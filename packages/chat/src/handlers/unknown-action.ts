/**
 * `$default`: a JSON object whose `action` names no route. The gateway's model for
 * `$default` has already refused frames that are not JSON objects with a string
 * `action` (the `Invalid request body` frame); this answers the rest with a typed
 * `BAD_REQUEST`, so a client learns which action it got wrong.
 */
import { ChatError } from '../domain/errors.ts';
import { errorFrame, reply } from './chat-route.ts';
import type { ChatHandler } from './handler-types.ts';

export function unknownActionHandler(): ChatHandler {
  return async (event) => {
    let action = '';
    let requestId: string | undefined;
    try {
      const frame = JSON.parse(event.body ?? '') as { action?: unknown; requestId?: unknown };
      if (typeof frame.action === 'string') action = frame.action;
      if (typeof frame.requestId === 'string') requestId = frame.requestId;
    } catch {
      // Not JSON: nothing to echo.
    }
    const error = new ChatError('BAD_REQUEST', `Unknown action "${action.slice(0, 64)}".`);
    return reply(error.status, errorFrame(error, undefined, requestId));
  };
}
