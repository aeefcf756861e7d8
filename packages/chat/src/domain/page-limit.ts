/** The `limit` a page request names (history, pins, threads, search), checked against its bound. */
import { ChatError } from './errors.ts';

/** `given`, or `fallback` when absent. Errors: BAD_REQUEST unless it is an integer from 1 to `max`. */
export function pageLimit(given: number | undefined, fallback: number, max: number): number {
  const limit = given ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new ChatError('BAD_REQUEST', `limit must be 1 to ${max}.`);
  }
  return limit;
}
