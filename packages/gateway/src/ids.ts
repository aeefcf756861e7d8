import { randomText } from './random-pool.ts';

/**
 * Ids in API Gateway's own form: 11 random bytes as URL-safe base64 with one `=`
 * pad, 16 characters (spec 1.1, observed `BFHPhfCWIAMCKlQ=`). 88 random bits make
 * a repeat practically impossible, so an id is never reused (checklist 23).
 */
export function newId(): string {
  return `${randomText(11, 'base64url')}=`;
}

const WELL_FORMED_ID = /^[A-Za-z0-9_-]{15}=$/;

/** Whether a string could be one of our ids; anything else is a 400 on `@connections` (spec 3.3). */
export function isWellFormedId(id: string): boolean {
  return WELL_FORMED_ID.test(id);
}
