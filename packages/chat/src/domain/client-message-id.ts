/** The id a client gives a post (`sendMessage`, `replyInThread`) to make a retry of it idempotent. */
import { ChatError } from './errors.ts';
import { ChatLimits } from './limits.ts';

/** Errors: BAD_REQUEST unless it is 1 to `ChatLimits.clientMessageIdMaxLength` characters. */
export function checkClientMessageId(clientMessageId: string): void {
  if (clientMessageId.length === 0 || clientMessageId.length > ChatLimits.clientMessageIdMaxLength) {
    throw new ChatError(
      'BAD_REQUEST',
      `clientMessageId must be 1 to ${ChatLimits.clientMessageIdMaxLength} characters.`,
    );
  }
}
